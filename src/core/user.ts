/** A person (or robot) with an account. Ids are matched ignoring case, as Jenkins does by default. */
export interface User {
  readonly id: string;
  readonly fullName: string;
  /** A memory-hard password hash in PHC-like form; never leaves the server. */
  readonly passwordHash: string;
  readonly createdAt: number;
}

const USER_ID = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;

export function isValidUserId(id: string): boolean {
  return USER_ID.test(id);
}
