/**
 * `steward key rotate` will not rotate, and has changed nothing: the message is one sentence saying
 * why and what to do (the command line exits 2 with it). It never holds a key or a secret.
 */
export class RotationRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationRefused';
  }
}
