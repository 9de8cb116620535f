/** A person (or robot) with an account. Ids are matched ignoring case, as Jenkins does by default. */
export interface User {
  readonly id: string;
  readonly fullName: string;
  /** A memory-hard password hash in PHC-like form; never leaves the server. */
  readonly passwordHash: string;
  /** Groups the user belongs to, for grants to `group:NAME`. */
  readonly groups: readonly string[];
  readonly createdAt: number;
}

const USER_ID = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;

export function isValidUserId(id: string): boolean {
  return USER_ID.test(id);
}

/** Group names follow the rules of user ids. */
export function isValidGroupName(name: string): boolean {
  return USER_ID.test(name) && name.toLowerCase() !== 'anonymous' && name.toLowerCase() !== 'authenticated';
}

/** The shortest password Steward accepts. */
export const MIN_PASSWORD_LENGTH = 8;
