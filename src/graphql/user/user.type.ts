import { Field, ID, ObjectType } from "type-graphql";

@ObjectType("User", { description: "A person or bot that signs in to the gateway." })
export class User {
  @Field(() => ID, { description: "The user's id." })
  id!: string;

  @Field(() => String, { description: "The user's name, as given to `mmp-gateway user add`." })
  name!: string;

  @Field(() => Boolean, {
    description: "Whether the user is a gateway admin (manages users, teams and accounts).",
  })
  admin!: boolean;
}
