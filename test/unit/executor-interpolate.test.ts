import { describe, expect, it } from 'vitest';
import { interpolate, interpolateRecord, InterpolationError } from '../../executor/interpolate.js';

describe('executor property interpolation', () => {
  const props = { got_revision: 'abc123', n: 7, flag: true, empty: '', obj: { a: 1 }, nothing: null };

  it('fills in properties of any type', () => {
    expect(interpolate('git show %(prop:got_revision)', props)).toBe('git show abc123');
    expect(interpolate('%(prop:n)-%(prop:flag)', props)).toBe('7-true');
    expect(interpolate('[%(prop:empty)]', props)).toBe('[]');
    expect(interpolate('%(prop:obj)', props)).toBe('{"a":1}');
  });

  it('uses the default only when the property is unset or null', () => {
    expect(interpolate('%(prop:missing:-fallback)', props)).toBe('fallback');
    expect(interpolate('%(prop:missing:-)', props)).toBe('');
    expect(interpolate('%(prop:nothing:-d)', props)).toBe('d');
    expect(interpolate('%(prop:empty:-d)', props)).toBe('');
    expect(interpolate('%(prop:n:-0)', props)).toBe('7');
    expect(interpolate('%(prop:missing:-a b:c)', props)).toBe('a b:c');
  });

  it('leaves other percent signs alone', () => {
    expect(interpolate('date +%s; printf "%d%%" 5', props)).toBe('date +%s; printf "%d%%" 5');
    expect(interpolate('%(kw:x) %(prop:n)', props)).toBe('%(kw:x) 7');
  });

  it('refuses a missing property without default with a clear message', () => {
    expect(() => interpolate('make %(prop:target)', props)).toThrow(InterpolationError);
    expect(() => interpolate('make %(prop:target)', props)).toThrow(/property "target" is not set/);
  });

  it('refuses malformed and unterminated references', () => {
    expect(() => interpolate('%(prop:)', props)).toThrow(/malformed/);
    expect(() => interpolate('%(prop:a b)', props)).toThrow(/malformed/);
    expect(() => interpolate('echo %(prop:n', props)).toThrow(/unterminated/);
  });

  it('does not treat inherited object keys as properties', () => {
    expect(() => interpolate('%(prop:constructor)', {})).toThrow(/not set/);
  });

  it('does not re-expand a value that looks like a reference', () => {
    expect(interpolate('%(prop:a)', { a: '%(prop:b)', b: 'x' })).toBe('%(prop:b)');
  });

  it('interpolates env values but not keys', () => {
    expect(interpolateRecord({ REV: '%(prop:got_revision)', '%(prop:n)': 'k' }, props)).toEqual({ REV: 'abc123', '%(prop:n)': 'k' });
  });
});

describe('interpolation into shell commands', () => {
  const props = { branch: 'x;rm -rf ~', plain: 'main', quote: "it's", n: 7 };

  it('quotes values so they stay one word, and leaves safe ones as they are', () => {
    expect(interpolate('git log %(prop:branch)', props, { shell: true })).toBe("git log 'x;rm -rf ~'");
    expect(interpolate('echo %(prop:plain) %(prop:n)', props, { shell: true })).toBe('echo main 7');
    expect(interpolate('echo %(prop:quote)', props, { shell: true })).toBe("echo 'it'\\''s'");
    expect(interpolate('echo [%(prop:missing:-a b)]', props, { shell: true })).toBe('echo [a b]');
  });

  it('inserts %(rawprop:…) as it is, and quotes nothing outside the shell', () => {
    expect(interpolate('echo %(rawprop:branch)', props, { shell: true })).toBe('echo x;rm -rf ~');
    expect(interpolate('%(prop:branch)', props)).toBe('x;rm -rf ~');
    expect(() => interpolate('%(rawprop:none)', props)).toThrow(/"%\(rawprop:none\)" has no default/);
    expect(() => interpolate('echo %(rawprop:n', props)).toThrow(/unterminated/);
  });
});
