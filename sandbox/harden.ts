/**
 * In-isolate code, evaluated from its source text (`hardenRealm.toString()`): self-contained, V8 built-ins only.
 * Runs after the runtime and the libraries are installed and before the user's code.
 *
 * isolated-vm cannot switch off code generation from strings per isolate, so this is defence in depth behind the
 * static validation: `eval` is removed, and every route to a function constructor (`Function`, and the
 * `constructor` of the plain, async, generator and async-generator function prototypes) leads to one that throws.
 * The prototypes are then frozen so that cannot be undone. Shared memory and WebAssembly, which no function needs,
 * are removed as well: they are the usual tools for blocking a thread or generating code outside these checks.
 */
export function hardenRealm(): void {
  'use strict';
  const realm = globalThis as Record<string, unknown>;
  const defineProperty = Object.defineProperty;
  const getPrototypeOf = Object.getPrototypeOf;

  const refuse = function Function(): never {
    throw new EvalError('code generation from strings is not allowed in a function node');
  };

  const functionPrototypes = [
    getPrototypeOf(function () {}),
    getPrototypeOf(async function () {}),
    getPrototypeOf(function* () {}),
    getPrototypeOf(async function* () {}),
  ] as object[];
  for (const prototype of functionPrototypes) {
    defineProperty(prototype, 'constructor', {
      value: refuse,
      writable: false,
      enumerable: false,
      configurable: false,
    });
  }
  // `x instanceof Function` (moment uses it) keeps working: the stand-in shares the real prototype.
  defineProperty(refuse, 'prototype', {
    value: functionPrototypes[0],
    writable: false,
    enumerable: false,
    configurable: false,
  });
  defineProperty(realm, 'Function', { value: refuse, writable: false, enumerable: false, configurable: false });

  for (const name of ['eval', 'SharedArrayBuffer', 'Atomics', 'WebAssembly']) delete realm[name];

  for (const prototype of functionPrototypes) Object.freeze(prototype);
  Object.freeze(refuse);
}
