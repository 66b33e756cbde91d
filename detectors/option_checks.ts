/**
 * Checks of detector options, made once when a detector is created (bad
 * configuration throws; packets never do).
 *
 * @module
 */

/**
 * Throws a RangeError naming the first of `names` whose value in `config` is
 * not a positive number (NaN included). `subject` names what is being
 * created, e.g. "ARP scan detector".
 */
export function requirePositive<K extends string>(
  subject: string,
  config: Readonly<Record<NoInfer<K>, number>>,
  names: readonly K[],
): void {
  for (const name of names) {
    const value = config[name];
    if (!(value > 0)) {
      throw new RangeError(
        `Cannot create ${subject}: ${name} must be positive, got ${value}`,
      );
    }
  }
}
