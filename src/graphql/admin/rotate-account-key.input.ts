import { Field, ID, InputType } from "type-graphql";
import type { RotateAccountKeyRequest } from "../../admin/admin-api.types";

@InputType("RotateAccountKeyInput", {
  description:
    "A new API key for an account, of the account's key type. The next exchange call signs with it. The " +
    "secret is sealed before it is stored and is never returned or logged. Send it in variables.",
})
export class RotateAccountKeyInput implements RotateAccountKeyRequest {
  @Field(() => ID, { description: "The account whose key is replaced." })
  accountId!: string;

  @Field(() => String, { description: "The new exchange API key." })
  apiKey!: string;

  @Field(() => String, {
    description: "HMAC: the new API secret. ED25519 / RSA: the new PKCS#8 PEM private key. Write-only.",
  })
  secret!: string;

  @Field(() => String, {
    nullable: true,
    description: "OKX accounts only, and required there: the new key's passphrase. Write-only.",
  })
  passphrase?: string | null;
}
