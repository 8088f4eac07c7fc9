import { Field, GraphQLISODateTime, ID, ObjectType } from "type-graphql";
import type { ApiTokenView } from "../../admin/admin-api.types";

@ObjectType("ApiToken", {
  description: "An API token's bookkeeping. The token itself is shown once, when issued, and never again.",
})
export class ApiToken implements ApiTokenView {
  @Field(() => ID, { description: "The token's id, for revokeToken." })
  id!: string;

  @Field(() => GraphQLISODateTime, { description: "When it was issued (UTC)." })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true, description: "When it was revoked; null while live." })
  revokedAt!: Date | null;
}
