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

/**
 * Throws a RangeError unless `ports` is a list of at most `maxPorts` port
 * numbers 1–65535 of `protocol` ("TCP", "UDP"), naming `name` and the
 * first value out of place. `subject` names what is being created.
 */
export function requirePorts(
  subject: string,
  name: string,
  ports: readonly number[],
  protocol: string,
  maxPorts = 65_535,
): void {
  const fail = (what: string): never => {
    throw new RangeError(`Cannot create ${subject}: ${name} must ${what}`);
  };
  if (!Array.isArray(ports)) {
    fail(`be a list of ports, got ${JSON.stringify(ports)}`);
  }
  if (ports.length > maxPorts) {
    fail(`hold at most ${maxPorts} ports, got ${ports.length}`);
  }
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      fail(`hold ${protocol} ports 1–65535, got ${port}`);
    }
  }
}
