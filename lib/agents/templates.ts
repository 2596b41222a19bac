import { ZAgentConfig, type TAgentConfig } from "./config";

// Starting points for a new agent. Each is a complete agent that can be published as is: the facts in its
// knowledge and the department numbers are examples (555-01xx numbers are reserved for fiction) for the admin to
// replace with their own.

export type TTemplateContent = {
  name: string;
  config: TAgentConfig;
  knowledge: { kind: "qa" | "document"; title: string; content: string }[];
  departments: { name: string; phoneNumber: string; whenToTransfer: string }[];
};

export type TTemplateKey = "receptionist" | "appointments" | "support_triage" | "blank";

export type TAgentTemplate = {
  key: TTemplateKey;
  label: string;
  description: string;
  build(input: { teamName: string; timeZone: string }): TTemplateContent;
};

const DISCLOSURE = "This call is answered by an AI assistant and may be recorded for quality.";

const weekdays = (open: string, close: string) => [1, 2, 3, 4, 5].map((day) => ({ day, open, close }));

function hours(timeZone: string, weekly: { day: number; open: string; close: string }[], afterHoursMessage: string) {
  return { isEnabled: true, timeZone, weekly, afterHours: "take_message" as const, afterHoursMessage };
}

const RECEPTIONIST_DOC = {
  kind: "document" as const,
  title: "About us",
  content: [
    "We are a small team that has served local businesses and families since 2009.",
    "",
    "Our office is open Monday to Friday. Outside those hours the phone is answered by this assistant, which takes messages that we return the next business day.",
    "",
    "New customers can book a free 20 minute introductory call with Sales. Existing customers who need help with an order should have their order number ready.",
  ].join("\n"),
};

const APPOINTMENTS_DOC = {
  kind: "document" as const,
  title: "Services and prices",
  content: [
    "Standard consultation: 45 minutes, 80 dollars.",
    "Follow-up visit: 30 minutes, 55 dollars.",
    "Extended session: 90 minutes, 150 dollars.",
    "",
    "Prices include tax. We accept cash, all major cards and most insurance plans. Payment is taken at the end of the visit.",
  ].join("\n"),
};

const SUPPORT_DOC = {
  kind: "document" as const,
  title: "Basic troubleshooting guide",
  content: [
    "If the app will not load, sign out, close the app completely and open it again.",
    "",
    "If a page shows an error, refresh the page or try a different browser.",
    "",
    "If you cannot sign in, check that you are using the email address on your account, then reset your password.",
    "",
    "If none of this helps, note the exact error message and our Technical support team will look into it.",
  ].join("\n"),
};

const receptionist: TAgentTemplate = {
  key: "receptionist",
  label: "Receptionist",
  description: "Answers the main line, handles common questions, transfers to Sales or Accounts and takes messages.",
  build: ({ teamName, timeZone }) => ({
    name: "Front desk",
    config: ZAgentConfig.parse({
      systemPrompt: [
        `You answer the main phone line for ${teamName}. Be warm, brief and professional.`,
        "Answer common questions from the knowledge. Callers interested in buying, pricing or a quote go to Sales.",
        "Questions about invoices, payments or refunds go to Accounts.",
        "If the caller asks for a specific person, or for anything you cannot answer, offer to take a message.",
        "Before taking a message, get the caller's name, a callback number and what the call is about.",
      ].join("\n"),
      greeting: `Thank you for calling ${teamName}. How can I help you today?`,
      disclosure: DISCLOSURE,
      businessHours: hours(timeZone, weekdays("09:00", "17:00"), `Thanks for calling ${teamName}. Our office is closed right now.`),
      captureFields: [
        { key: "caller_name", label: "Name", description: "The caller's full name" },
        { key: "reason", label: "Reason for calling", description: "One sentence about what they need" },
      ],
    }),
    knowledge: [
      {
        kind: "qa",
        title: "Where are you located?",
        content: "We're at 120 Market Street, Suite 400. The entrance is on Market Street, next to the pharmacy.",
      },
      {
        kind: "qa",
        title: "Is there parking?",
        content: "Yes, there's free visitor parking in the garage behind the building. Enter from Oak Street.",
      },
      {
        kind: "qa",
        title: "How can I pay an invoice?",
        content: "You can pay online with the link on your invoice, by bank transfer, or by card over the phone with our Accounts team.",
      },
      {
        kind: "qa",
        title: "What is your email address?",
        content: "You can email us at hello at example dot com, and we reply within one business day.",
      },
      {
        kind: "qa",
        title: "Are you hiring?",
        content: "Open positions are listed on the careers page of our website. Please apply there rather than by phone.",
      },
      RECEPTIONIST_DOC,
    ],
    departments: [
      { name: "Sales", phoneNumber: "+12025550142", whenToTransfer: "The caller wants to buy, asks about pricing, or wants a quote." },
      { name: "Accounts", phoneNumber: "+12025550178", whenToTransfer: "The caller has a question about an invoice, a payment or a refund." },
    ],
  }),
};

const appointments: TAgentTemplate = {
  key: "appointments",
  label: "Appointment booking",
  description: "Takes booking, change and cancellation requests with the caller's preferred times for your team to confirm.",
  build: ({ teamName, timeZone }) => ({
    name: "Bookings",
    config: ZAgentConfig.parse({
      systemPrompt: [
        `You handle appointment requests for ${teamName}.`,
        "You cannot see the calendar, so never promise a specific time. Collect the caller's name, a callback number,",
        "the service they want and their preferred days and times, then take a message so the team can confirm within one business day.",
        "For changes and cancellations, collect the same details and the date of the existing appointment.",
        "Transfer urgent same-day requests to the Front desk.",
      ].join("\n"),
      greeting: `Thanks for calling ${teamName}. I can help you book, change or cancel an appointment. What can I do for you?`,
      disclosure: DISCLOSURE,
      businessHours: hours(
        timeZone,
        [...weekdays("08:00", "18:00"), { day: 6, open: "09:00", close: "13:00" }],
        `Thanks for calling ${teamName}. We're closed right now, but I can still take your booking request.`,
      ),
      captureFields: [
        { key: "caller_name", label: "Name", description: "The caller's full name" },
        { key: "service", label: "Service", description: "Which service the appointment is for" },
        { key: "preferred_time", label: "Preferred time", description: "Days and times that suit the caller" },
      ],
    }),
    knowledge: [
      {
        kind: "qa",
        title: "How long does a first appointment take?",
        content: "A first appointment takes about 45 minutes. Please arrive 10 minutes early to fill in a short form.",
      },
      {
        kind: "qa",
        title: "What is your cancellation policy?",
        content: "Please give us at least 24 hours notice to cancel or move an appointment. Late cancellations may be charged a 25 dollar fee.",
      },
      {
        kind: "qa",
        title: "Do you take walk-ins?",
        content: "We see walk-ins only when there is a free slot, so we recommend booking ahead.",
      },
      {
        kind: "qa",
        title: "How will I know my appointment is confirmed?",
        content: "A member of our team calls or texts you within one business day to confirm the time.",
      },
      {
        kind: "qa",
        title: "What should I bring to my appointment?",
        content: "Please bring a photo ID and, if you have one, your insurance card.",
      },
      APPOINTMENTS_DOC,
    ],
    departments: [
      { name: "Front desk", phoneNumber: "+12025550113", whenToTransfer: "Urgent same-day requests, or the caller is running late for today's appointment." },
    ],
  }),
};

const supportTriage: TAgentTemplate = {
  key: "support_triage",
  label: "Support triage",
  description: "First line of customer support: basic troubleshooting, then routes to Technical support or Billing.",
  build: ({ teamName, timeZone }) => ({
    name: "Support line",
    config: ZAgentConfig.parse({
      systemPrompt: [
        `You are the first line of customer support for ${teamName}.`,
        "Find out which product the caller is calling about and what is wrong, in one or two questions.",
        "Try the basic troubleshooting in the knowledge first. If it does not fix the problem, transfer:",
        "Technical support for outages, error messages and setup problems; Billing for charges, refunds and plan changes.",
        "If the caller reports an outage affecting many users, transfer to Technical support right away.",
        "When closed, take a message with the caller's account email and a short description of the problem.",
      ].join("\n"),
      greeting: `Thanks for calling ${teamName} support. Can you tell me briefly what's going on?`,
      disclosure: DISCLOSURE,
      businessHours: hours(
        timeZone,
        [...weekdays("08:00", "20:00"), { day: 6, open: "10:00", close: "16:00" }],
        `Thanks for calling ${teamName} support. Our team is offline right now.`,
      ),
      captureFields: [
        { key: "caller_name", label: "Name", description: "The caller's full name" },
        { key: "account_email", label: "Account email", description: "The email address on their account" },
        { key: "issue_summary", label: "Issue", description: "What is wrong, in one sentence" },
      ],
    }),
    knowledge: [
      {
        kind: "qa",
        title: "How do I reset my password?",
        content: "Go to the sign in page and choose Forgot password. We email you a reset link that works for one hour.",
      },
      {
        kind: "qa",
        title: "Is the service down?",
        content: "You can check live service status at status dot example dot com. If it shows everything working, I can transfer you to Technical support.",
      },
      {
        kind: "qa",
        title: "How do I get a refund?",
        content: "Refunds are available within 30 days of a charge. Our Billing team handles them, and I can transfer you now.",
      },
      {
        kind: "qa",
        title: "How long does a support ticket take?",
        content: "We answer most tickets within four business hours, and urgent outages within 30 minutes.",
      },
      {
        kind: "qa",
        title: "Can I change my plan?",
        content: "Yes, you can upgrade or downgrade any time under Settings, then Billing. Changes apply from your next invoice.",
      },
      SUPPORT_DOC,
    ],
    departments: [
      { name: "Technical support", phoneNumber: "+12025550131", whenToTransfer: "Outages, error messages, setup problems, or troubleshooting did not help." },
      { name: "Billing", phoneNumber: "+12025550167", whenToTransfer: "Charges, refunds, invoices and plan changes." },
    ],
  }),
};

const blank: TAgentTemplate = {
  key: "blank",
  label: "Blank agent",
  description: "Only a greeting and the recording disclosure. Add your own instructions, knowledge and departments.",
  build: ({ teamName, timeZone }) => ({
    name: "New agent",
    config: ZAgentConfig.parse({
      greeting: `Thanks for calling ${teamName}. How can I help you today?`,
      // Calls are recorded unless the agent is set not to, and a recorded call must be disclosed.
      disclosure: DISCLOSURE,
      businessHours: { isEnabled: false, timeZone, weekly: weekdays("09:00", "17:00"), afterHours: "take_message", afterHoursMessage: "We're closed right now." },
    }),
    knowledge: [],
    departments: [],
  }),
};

export const AGENT_TEMPLATES: readonly TAgentTemplate[] = [receptionist, appointments, supportTriage, blank];

export const TEMPLATE_KEYS = AGENT_TEMPLATES.map((t) => t.key) as [TTemplateKey, ...TTemplateKey[]];

export function findTemplate(key: string): TAgentTemplate | undefined {
  return AGENT_TEMPLATES.find((t) => t.key === key);
}
