/**
 * Email + password login and password changes, as plain functions over D1.
 * Passwords are PBKDF2-SHA256 at the Workers maximum of 100k iterations (password.ts).
 */
import { hashPassword, verifyPassword } from './password.ts';

/**
 * A well-formed hash of a random password, checked when the email is unknown so a wrong
 * email costs the same PBKDF2 time as a wrong password (no account enumeration by timing).
 */
let decoyHash: Promise<string> | undefined;

/** Lower-cases and trims an email, the one form stored and compared. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The user id when `email` + `password` match an account, else null (same cost either way). */
export async function checkLogin(db: D1Database, email: string, password: string): Promise<{ id: string; email: string } | null> {
  const row = await db.prepare('SELECT id, email, password_hash FROM users WHERE email = ?').bind(normalizeEmail(email)).first<{ id: string; email: string; password_hash: string | null }>();
  if (!row?.password_hash) {
    decoyHash ??= hashPassword(crypto.randomUUID());
    await verifyPassword(password, await decoyHash);
    return null;
  }
  return (await verifyPassword(password, row.password_hash)) ? { id: row.id, email: row.email } : null;
}

/** Sets a user's password after checking the current one; false when the current one is wrong. */
export async function changePassword(db: D1Database, userId: string, current: string, next: string): Promise<boolean> {
  const row = await db.prepare('SELECT password_hash FROM users WHERE id = ?').bind(userId).first<{ password_hash: string | null }>();
  if (!row || !(await verifyPassword(current, row.password_hash))) return false;
  await db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').bind(await hashPassword(next), userId).run();
  return true;
}
