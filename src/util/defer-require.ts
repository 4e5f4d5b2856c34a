import Module, { createRequire } from 'node:module';

/**
 * Defers a CommonJS module that a package loads at its start but only uses in features bb does
 * not call: puts a stand-in for `request` (resolved from the file `from`) in the require cache,
 * which loads the real module the first time anything reads a member of it, calls it or
 * constructs it, and forwards to it from then on. Nothing changes for its users but when it loads.
 * `kind` says whether the real exports are a function (called or constructed) or an object.
 * Enumerating the stand-in's keys is not forwarded: only for modules whose users name the members
 * they read. Returns false (and does nothing) when the module is not installed there or is
 * loaded already.
 */
export function deferRequire(from: string, request: string, kind: 'function' | 'object'): boolean {
  const req = createRequire(from);
  let path: string;
  try {
    path = req.resolve(request);
  } catch {
    return false;
  }
  if (req.cache[path]) return false;
  let real: unknown;
  const load = (): object => {
    if (real === undefined) {
      if (req.cache[path] === entry) delete req.cache[path];
      real = req(path);
    }
    return real as object;
  };
  const target = kind === 'function' ? function deferred() {} : {};
  const exports = new Proxy(target, {
    get: (_t, key) => Reflect.get(load(), key),
    has: (_t, key) => Reflect.has(load(), key),
    set: (_t, key, value) => Reflect.set(load(), key, value),
    apply: (_t, self, args) => Reflect.apply(load() as (...a: unknown[]) => unknown, self, args),
    construct: (_t, args) => Reflect.construct(load() as new (...a: unknown[]) => object, args),
  });
  const entry = new Module(path);
  entry.filename = path;
  entry.loaded = true;
  entry.exports = exports;
  req.cache[path] = entry;
  return true;
}

