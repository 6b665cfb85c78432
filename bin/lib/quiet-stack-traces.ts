/**
 * cdktf records the full stack of every token it creates (for its own error messages), with no switch to turn it
 * off: on a large environment that is a third of synthesis time. Inside `fn` stack traces are not captured; error
 * messages are untouched, and traces come back as soon as `fn` returns. INFERENCE_STACK_DEBUG=1 keeps them.
 */
export function withoutStackTraces<T>(fn: () => T): T {
  if (process.env.INFERENCE_STACK_DEBUG) return fn();
  const capture = Error.captureStackTrace;
  Error.captureStackTrace = () => undefined;
  try {
    return fn();
  } finally {
    Error.captureStackTrace = capture;
  }
}
