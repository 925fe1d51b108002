/**
 * Preloaded into every Node process of a run (NODE_OPTIONS=--require <this file>): makes the
 * Cronium SDK the global `cronium`, so `await cronium.getVariable("k")` works without a require.
 * It must never throw, print or keep the process alive, and must cost next to nothing: the SDK
 * (cronium.js, next to this file) is only loaded on the first use of the global.
 */
"use strict";

try {
  if (!Object.prototype.hasOwnProperty.call(globalThis, "cronium")) {
    const settle = (value) => {
      Object.defineProperty(globalThis, "cronium", {
        value,
        writable: true,
        configurable: true,
        enumerable: false,
      });
      return value;
    };
    Object.defineProperty(globalThis, "cronium", {
      get: () => settle(require("./cronium.js")),
      set: settle, // a script's own `cronium = ...` simply replaces it
      configurable: true,
      enumerable: false,
    });
  }
} catch {
  // Never break the user's program over the helpers.
}
