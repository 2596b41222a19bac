import { describe, expect, it } from "vitest";
import { apiKeyRole, can, canGrantRole, hasRole, PERMISSIONS } from "./roles";

describe("roles", () => {
  it("orders owner > admin > member > viewer", () => {
    expect(hasRole("owner", "admin")).toBe(true);
    expect(hasRole("admin", "owner")).toBe(false);
    expect(hasRole("member", "viewer")).toBe(true);
    expect(hasRole("viewer", "member")).toBe(false);
  });

  it("lets viewers look but not change", () => {
    const changes = Object.keys(PERMISSIONS).filter((p) => !p.endsWith(".view")) as (keyof typeof PERMISSIONS)[];
    for (const permission of changes) expect(can("viewer", permission), permission).toBe(false);
    expect(can("viewer", "team.view")).toBe(true);
    expect(can("viewer", "calls.view")).toBe(true);
  });

  it("reserves role changes and removals to owners", () => {
    expect(can("admin", "members.invite")).toBe(true);
    expect(can("admin", "members.change_role")).toBe(false);
    expect(can("admin", "members.remove")).toBe(false);
    expect(can("owner", "members.remove")).toBe(true);
  });

  it("does not let an admin mint owners", () => {
    expect(canGrantRole("admin", "owner")).toBe(false);
    expect(canGrantRole("admin", "admin")).toBe(true);
    expect(canGrantRole("owner", "owner")).toBe(true);
    expect(canGrantRole("member", "viewer")).toBe(false);
  });
});

describe("apiKeyRole", () => {
  it("is the creator's role capped at admin, and nothing below admin or without a creator", () => {
    expect(apiKeyRole("owner")).toBe("admin");
    expect(apiKeyRole("admin")).toBe("admin");
    expect(apiKeyRole("member")).toBeNull();
    expect(apiKeyRole("viewer")).toBeNull();
    expect(apiKeyRole(null)).toBeNull();
  });
});
