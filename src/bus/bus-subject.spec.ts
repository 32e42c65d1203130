import { busSubject, subjectToken } from './bus-subject';

describe('busSubject', () => {
  it('puts the tenant and the type into the subject', () => {
    expect(busSubject('cus_demo', 'fault.created')).toBe('netops.events.cus_demo.fault.created');
  });

  it('keeps a customer id one token whatever it holds', () => {
    expect(subjectToken('acme.eu')).toBe('acme~2eeu');
    expect(subjectToken('a*b>c d~')).toBe('a~2ab~3ec~20d~7e');
    expect(subjectToken('café')).toBe('caf~c3~a9');
    for (const id of ['a.b', 'x*', '>', 'sp ace', 'tab\tid', 'ü.ö']) expect(subjectToken(id)).toMatch(/^[A-Za-z0-9_~-]+$/);
  });

  it('never makes two customer ids one token', () => {
    const ids = ['a.b', 'a~2eb', 'a_b', 'a-b', 'a~b'];
    expect(new Set(ids.map(subjectToken)).size).toBe(ids.length);
  });
});
