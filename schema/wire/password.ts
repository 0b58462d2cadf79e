/**
 * Password rules shared by the API and the web app. Kept apart from accounts.ts so the
 * browser bundle can import it without the drizzle tables accounts.ts reads roles from.
 */

/** Shortest password accepted for an account. */
export const MIN_PASSWORD = 12;
