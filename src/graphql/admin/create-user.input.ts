import { Field, InputType } from "type-graphql";
import type { CreateUserRequest } from "../../admin/admin-api.types";

@InputType("CreateUserInput", { description: "A new gateway user." })
export class CreateUserInput implements CreateUserRequest {
  @Field(() => String, {
    description: "The user's name: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
  })
  name!: string;

  @Field(() => Boolean, {
    defaultValue: false,
    description: "Whether the user is an admin user (manages users, tokens, teams and accounts).",
  })
  admin!: boolean;
}
