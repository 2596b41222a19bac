export const WEBHOOK_EVENTS = ["call.started", "call.completed", "call.analyzed", "message.taken"] as const;
export type TWebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_EVENT_HELP: Record<TWebhookEvent, string> = {
  "call.started": "A call was answered and the agent started talking.",
  "call.completed": "A call ended; outcome, duration and end reason are set.",
  "call.analyzed": "Post-call analysis finished: summary, sentiment, topic and captured fields.",
  "message.taken": "The agent took a message or a voicemail (sent once its call ended): the inbox item, urgent flag included.",
};

// The JSON body of every delivery.
export type TWebhookEnvelope = { id: string; type: TWebhookEvent; created_at: string; team_id: string; data: Record<string, unknown> };
