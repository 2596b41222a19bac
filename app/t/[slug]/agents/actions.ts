"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { teamAction, type TActionState } from "@/lib/auth/entry-points";
import { createAgent, ZCreateAgent } from "@/lib/agents/create-agent";
import { addDepartment, deleteDepartment, listDepartments, updateDepartment, ZDepartmentInput } from "@/lib/agents/departments";
import { addKnowledge, deleteKnowledge, updateKnowledge, ZKnowledgeInput } from "@/lib/agents/knowledge";
import { publishAgent, ZPublishInput } from "@/lib/agents/publish-agent";
import { rollbackAgent, ZRollbackInput } from "@/lib/agents/rollback-agent";
import { clearTemplateExamples } from "@/lib/agents/template-examples";
import {
  settingsToConfigPatch,
  updateAgentDraft,
  ZAgentSettingsInput,
  ZBusinessHoursInput,
  ZCallerOptionsInput,
  ZCaptureFieldsInput,
} from "@/lib/agents/update-agent-draft";
import { isAppError } from "@/lib/errors";

// Thin wrappers: every action names its permission, parses the form with zod and calls one lib/agents function.

const ZAgentRef = z.object({ agentId: z.string().min(1, "Missing agent") });
const DRAFT_SAVED = "Draft saved. Publish to put it live on calls.";

function refresh(slug: string, agentId?: string) {
  revalidatePath(`/t/${slug}/agents`);
  if (agentId) revalidatePath(`/t/${slug}/agents/${agentId}`);
}

export const createAgentAction = teamAction("agents.edit", ZCreateAgent, async (ctx, input) => {
  const agent = await createAgent(ctx.db, ctx.team, ctx.actor, input);
  refresh(ctx.team.slug);
  redirect(`/t/${ctx.team.slug}/agents/${agent.id}?created=1`);
});

export const updateAgentSettingsAction = teamAction("agents.edit", ZAgentSettingsInput.extend(ZAgentRef.shape), async (ctx, input) => {
  const { agentId, ...settings } = input;
  const { changedFields } = await updateAgentDraft(ctx.db, { teamId: ctx.team.id, agentId }, ctx.actor, {
    name: settings.name,
    config: settingsToConfigPatch(settings),
  });
  refresh(ctx.team.slug, agentId);
  return { success: changedFields.length > 0 ? DRAFT_SAVED : "No changes to save." };
});

export const updateCaptureFieldsAction = teamAction("agents.edit", ZCaptureFieldsInput.extend(ZAgentRef.shape), async (ctx, input) => {
  const { changedFields } = await updateAgentDraft(ctx.db, { teamId: ctx.team.id, agentId: input.agentId }, ctx.actor, {
    config: { captureFields: input.captureFields },
  });
  refresh(ctx.team.slug, input.agentId);
  return { success: changedFields.length > 0 ? DRAFT_SAVED : "No changes to save." };
});

export const updateCallerOptionsAction = teamAction("agents.edit", ZCallerOptionsInput.extend(ZAgentRef.shape), async (ctx, input) => {
  const { agentId, ...options } = input;
  if (options.vipDepartmentId) {
    const departments = await listDepartments(ctx.db, { teamId: ctx.team.id, agentId });
    if (!departments.some((d) => d.id === options.vipDepartmentId)) {
      return { error: "Please fix the highlighted fields.", fieldErrors: { vipDepartmentId: "Pick one of this agent's departments." } };
    }
  }
  const { changedFields } = await updateAgentDraft(ctx.db, { teamId: ctx.team.id, agentId }, ctx.actor, { config: options });
  refresh(ctx.team.slug, agentId);
  return { success: changedFields.length > 0 ? DRAFT_SAVED : "No changes to save." };
});

export const updateBusinessHoursAction = teamAction("agents.edit", ZBusinessHoursInput.extend(ZAgentRef.shape), async (ctx, input) => {
  const { agentId, ...businessHours } = input;
  const { changedFields } = await updateAgentDraft(ctx.db, { teamId: ctx.team.id, agentId }, ctx.actor, {
    config: { businessHours },
  });
  refresh(ctx.team.slug, agentId);
  return { success: changedFields.length > 0 ? DRAFT_SAVED : "No changes to save." };
});

export const addKnowledgeAction = teamAction("agents.edit", ZKnowledgeInput.extend(ZAgentRef.shape), async (ctx, input) => {
  const { agentId, ...entry } = input;
  await addKnowledge(ctx.db, { teamId: ctx.team.id, agentId }, ctx.actor, entry);
  refresh(ctx.team.slug, agentId);
  return { success: `${entry.kind === "qa" ? "Question" : "Document"} added to the draft.` };
});

const ZEntryRef = ZAgentRef.extend({ entryId: z.string().min(1, "Missing entry") });

export const updateKnowledgeAction = teamAction("agents.edit", ZKnowledgeInput.extend(ZEntryRef.shape), async (ctx, input) => {
  const { agentId, entryId, ...entry } = input;
  await updateKnowledge(ctx.db, { teamId: ctx.team.id, agentId, entryId }, ctx.actor, entry);
  refresh(ctx.team.slug, agentId);
  return { success: DRAFT_SAVED };
});

export const deleteKnowledgeAction = teamAction("agents.edit", ZEntryRef, async (ctx, input) => {
  await deleteKnowledge(ctx.db, { teamId: ctx.team.id, ...input }, ctx.actor);
  refresh(ctx.team.slug, input.agentId);
  return { success: "Entry deleted from the draft." };
});

export const clearTemplateExamplesAction = teamAction(
  "agents.edit",
  ZAgentRef.extend({ what: z.enum(["knowledge", "departments"]) }),
  async (ctx, input) => {
    const removed = await clearTemplateExamples(ctx.db, ctx.team, input.agentId, ctx.actor, input.what);
    refresh(ctx.team.slug, input.agentId);
    const noun = input.what === "knowledge" ? "example entr" : "example department";
    return { success: `${removed} ${noun}${input.what === "knowledge" ? (removed === 1 ? "y" : "ies") : removed === 1 ? "" : "s"} deleted from the draft.` };
  },
);

export const addDepartmentAction = teamAction("agents.edit", ZDepartmentInput.extend(ZAgentRef.shape), async (ctx, input) => {
  const { agentId, ...department } = input;
  await addDepartment(ctx.db, { teamId: ctx.team.id, agentId }, ctx.actor, department);
  refresh(ctx.team.slug, agentId);
  return { success: `${department.name} added to the draft.` };
});

const ZDepartmentRef = ZAgentRef.extend({ departmentId: z.string().min(1, "Missing department") });

export const updateDepartmentAction = teamAction("agents.edit", ZDepartmentInput.extend(ZDepartmentRef.shape), async (ctx, input) => {
  const { agentId, departmentId, ...department } = input;
  await updateDepartment(ctx.db, { teamId: ctx.team.id, agentId, departmentId }, ctx.actor, department);
  refresh(ctx.team.slug, agentId);
  return { success: DRAFT_SAVED };
});

export const deleteDepartmentAction = teamAction("agents.edit", ZDepartmentRef, async (ctx, input) => {
  await deleteDepartment(ctx.db, { teamId: ctx.team.id, ...input }, ctx.actor);
  refresh(ctx.team.slug, input.agentId);
  return { success: "Department removed from the draft." };
});

export const publishAgentAction = teamAction("agents.publish", ZPublishInput.extend(ZAgentRef.shape), async (ctx, input): Promise<TActionState> => {
  try {
    const { version } = await publishAgent(ctx.db, ctx.team, { ...ctx.actor, userId: ctx.user.id }, input);
    refresh(ctx.team.slug, input.agentId);
    return { success: `Published version ${version.version}. New calls use it now.` };
  } catch (error) {
    if (isAppError(error) && error.details?.gate && Array.isArray(error.details.problems)) {
      return { error: error.message, data: { problems: error.details.problems } };
    }
    if (isAppError(error) && Array.isArray(error.details?.problems)) {
      return { error: "Fix these before publishing:", data: { problems: error.details.problems } };
    }
    throw error;
  }
});

export const rollbackAgentAction = teamAction("agents.publish", ZRollbackInput.extend(ZAgentRef.shape), async (ctx, input) => {
  const { version, previousVersion } = await rollbackAgent(ctx.db, ctx.team, ctx.actor, input);
  refresh(ctx.team.slug, input.agentId);
  if (previousVersion === version.version) return { success: `Draft reset to version ${version.version}.` };
  return {
    success: `Version ${version.version} is live again.${input.restoreDraft ? " The draft was reset to it." : ""}`,
  };
});
