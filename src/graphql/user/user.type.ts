import { Field, ID, ObjectType } from "type-graphql";
import type { UserView } from "../../admin/admin-api.types";

@ObjectType("User", { description: "A person or bot that signs in to the gateway." })
export class User implements UserView {
  @Field(() => ID, { description: "The user's id." })
  id!: string;

  @Field(() => String, { description: "The user's name, as given to `mmp-gateway user add` or createUser." })
  name!: string;

  @Field(() => Boolean, {
    description: "Whether the user is a gateway admin (manages users, teams and accounts).",
  })
  admin!: boolean;

  @Field(() => Boolean, {
    description:
      "Whether the user is disabled (disableUser): their API tokens and JWTs are refused. Always false " +
      "for `me`.",
  })
  disabled!: boolean;

  /** stored memberships loaded with the user (the `users` query); not a GraphQL field */
  teamNames?: readonly string[];
}
