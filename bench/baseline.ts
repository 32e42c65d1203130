/**
 * The ceiling: a bare NestJS-on-Fastify "hello" endpoint, no auth, no database,
 * no logging — what any endpoint of the service could at best reach on this machine.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller()
class HelloController {
  @Get('hello')
  hello(): { hello: string } {
    return { hello: 'world' };
  }
}

@Module({ controllers: [HelloController] })
class BaselineModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(BaselineModule, new FastifyAdapter(), { logger: false });
  await app.listen({ port: Number(process.env.PORT ?? 3999), host: '127.0.0.1' });
}

void main();
