/** Bounds on amounts an admin may enter, in minor units (the same for EUR and USD). */
export const TOP_UP_PRESETS = [2_500, 5_000, 10_000, 25_000] as const;
export const TOP_UP_MIN = 1_000;
export const TOP_UP_MAX = 500_000;

export const AUTO_TOP_UP_THRESHOLD_MIN = 500;
export const AUTO_TOP_UP_THRESHOLD_MAX = 100_000;
export const AUTO_TOP_UP_AMOUNT_MIN = 1_000;
export const AUTO_TOP_UP_AMOUNT_MAX = 500_000;
export const AUTO_TOP_UP_CAP_MAX = 5_000_000;
