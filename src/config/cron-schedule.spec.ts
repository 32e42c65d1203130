import { cronProblem } from './cron-schedule';

describe('cronProblem', () => {
  it.each(['17 * * * *', '*/5 * * * *', '0 3 * * 1-5', '0,30 8-18/2 1 1,6,12 0', '59 23 31 12 7'])('accepts %s', (expression) => {
    expect(cronProblem(expression)).toBeUndefined();
  });

  it.each([
    ['', /5 fields/],
    ['* * * *', /got 4/],
    ['* * * * * *', /got 6/],
    ['60 * * * *', /minute field "60"/],
    ['* 24 * * *', /hour field/],
    ['* * 0 * *', /day of month field/],
    ['* * * 13 *', /month field/],
    ['* * * * 8', /day of week field/],
    ['*/0 * * * *', /minute field/],
    ['5-1 * * * *', /minute field/],
    ['@hourly', /5 fields/],
    ['* * * JAN *', /month field/],
    ['1,,2 * * * *', /minute field/],
  ])('refuses "%s"', (expression, why) => {
    expect(cronProblem(expression)).toMatch(why);
  });
});
