import { cronProblem } from './cron-schedule';

describe('cronProblem', () => {
  it.each(['17 * * * *', '*/5 * * * *', '0 3 * * 1-5', '0,30 8-18/2 1 1,6,12 0', '59 23 31 12 7', '0 2 * JAN SUN'])('accepts %s', (expression) => {
    expect(cronProblem(expression)).toBeUndefined();
  });

  it.each([
    ['', /5 fields/],
    ['* * * *', /got 4/],
    ['* * * * * *', /got 6/],
    ['60 * * * *', /expected range 0-59/],
    ['* 24 * * *', /expected range 0-23/],
    ['* * 0 * *', /expected range 1-31/],
    ['* * * 13 *', /expected range 1-12/],
    ['* * * * 8', /expected range 0-7/],
    ['*/0 * * * *', /cannot repeat at every 0/],
    ['5-1 * * * *', /Invalid range: 5-1/],
    ['@hourly', /5 fields/],
    ['1,,2 * * * *', /Invalid list value/],
  ])('refuses "%s"', (expression, why) => {
    expect(cronProblem(expression)).toMatch(why);
  });
});
