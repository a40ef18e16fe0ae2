/** PostgreSQL's unique_violation, as TypeORM's QueryFailedError carries it. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } })?.driverError;
  return driverError?.code === '23505' && (!constraint || driverError.constraint === constraint);
}
