/**
 * The few error classes medft throws on purpose. Each message names the input and the fix; the CLI prints the
 * message on one line and exits with the class's code, so scripts can tell a usage mistake from bad data.
 */
export class MedftError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A flag, option or config value that is not allowed (exit 2, like commander's own usage errors). */
export class UsageError extends MedftError {
  override readonly exitCode = 2;
}

/** A file or dataset that cannot be used as given: names the file and what is wrong with it (exit 3). */
export class InputError extends MedftError {
  override readonly exitCode = 3;
}

/** Something the machine lacks: a backend that does not load, memory that does not fit, weights not found (exit 4). */
export class ResourceError extends MedftError {
  override readonly exitCode = 4;
}

/** Training diverged or produced numbers that cannot be trusted (NaN/Inf loss) (exit 5). */
export class TrainingError extends MedftError {
  override readonly exitCode = 5;
}
