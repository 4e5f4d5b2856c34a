import { describe, expect, it } from 'vitest';
import { STOPPED, Stopper } from '../../src/util/stopper.js';

describe('Stopper', () => {
  it("gives a command's value while running, and STOPPED for one that never settles once stopped", async () => {
    const s = new Stopper();
    expect(await s.until(Promise.resolve(7))).toBe(7);
    await expect(s.until(Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    const never = s.until(new Promise<number>(() => undefined));
    expect(s.stopped).toBe(false);
    s.stop();
    expect(await never).toBe(STOPPED);
    expect(s.stopped).toBe(true);
    // After the stop, at once, whatever the command does later (its rejection is not left unhandled).
    let fail!: (e: Error) => void;
    const late = new Promise<number>((_, reject) => (fail = reject));
    expect(await s.until(late)).toBe(STOPPED);
    fail(new Error('connection closed'));
    await s.sleep(60_000);
  });

  it('ends a sleep at the stop', async () => {
    const s = new Stopper();
    const sleeping = s.sleep(60_000).then(() => 'woke');
    s.stop();
    expect(await sleeping).toBe('woke');
  });
});
