/** setTimeout fires at once for delays above 2^31-1 ms, so longer timeouts are clamped to this (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1
