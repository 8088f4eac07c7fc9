/**
 * Compile-time proof that a GraphQL enum's internal values are exactly a domain union's members, so a
 * value added to the domain (a new audit action…) cannot reach the serializer unlisted, where it would
 * fail a whole response at run time.
 */
export type SameValues<EnumValues extends string, DomainUnion extends string> = [EnumValues] extends [
  DomainUnion,
]
  ? [DomainUnion] extends [EnumValues]
    ? true
    : false
  : false;
