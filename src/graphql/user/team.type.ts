import { Field, ID, ObjectType } from "type-graphql";
import type { TeamView } from "../../access/access.types";

@ObjectType("Team", { description: "A group of users; roles on exchange accounts are granted to teams." })
export class Team implements TeamView {
  @Field(() => ID, { description: "The team's id: its name." })
  id!: string;

  @Field(() => String, { description: "The team's name, as given to `mmp-gateway team add`." })
  name!: string;
}
