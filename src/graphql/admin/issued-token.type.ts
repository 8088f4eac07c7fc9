import { Field, ID, ObjectType } from "type-graphql";
import type { IssuedTokenView } from "../../admin/admin-api.types";
import { User } from "../user/user.type";

@ObjectType("IssuedToken", {
  description:
    "A new API token. `token` is returned this once: only its SHA-256 is stored, so keep it now " +
    "(a lost token is revoked and replaced, never recovered).",
})
export class IssuedToken implements IssuedTokenView {
  @Field(() => ID, { description: "The token's id, for revokeToken." })
  id!: string;

  @Field(() => User, { description: "Whose token it is." })
  user!: User;

  @Field(() => String, { description: "The bearer token: `Authorization: Bearer <token>`. Shown once." })
  token!: string;
}

@ObjectType("CreateUserPayload", { description: "A new user and their first API token." })
export class CreateUserPayload {
  @Field(() => User, { description: "The user." })
  user!: User;

  @Field(() => IssuedToken, { description: "The user's first API token, shown once." })
  token!: IssuedToken;
}
