"use client";

import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

import { isolatedPoints } from "./isolated-points";

// Plain, serializable rows from the server page; one chart per dashboard question.

export type TChartDay = {
  day: string;
  calls: number;
  answered: number;
  abandoned: number;
  resolutionRate: number | null;
  avgHandleSec: number | null;
  positive: number;
  neutral: number;
  negative: number;
  v2vP50Ms: number | null;
  v2vP95Ms: number | null;
};

const COLORS = { brand: "#4f46e5", green: "#059669", amber: "#d97706", red: "#dc2626", slate: "#94a3b8", sky: "#0284c7" };
const HEIGHT = 240;

function shortDay(day: string): string {
  return day.slice(5);
}

function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

function Frame({ label, children }: { label: string; children: React.ReactElement }) {
  return (
    <div role="figure" aria-label={label} className="h-60 w-full">
      <ResponsiveContainer width="100%" height={HEIGHT}>
        {children}
      </ResponsiveContainer>
    </div>
  );
}

type TDotProps = { cx?: number; cy?: number; index?: number };

// Lines draw no dots (30 of them are noise), except on points with no neighbouring value: see isolated-points.ts.
function dotsFor(data: TChartDay[], key: "resolutionRate" | "avgHandleSec" | "v2vP50Ms" | "v2vP95Ms", color: string) {
  const isolated = isolatedPoints(data.map((d) => d[key]));
  if (isolated.size === 0) return false;
  function IsolatedDot({ cx, cy, index }: TDotProps) {
    if (index === undefined || !isolated.has(index) || cx === undefined || cy === undefined) return <g key={`none-${index}`} />;
    return <circle key={`dot-${index}`} cx={cx} cy={cy} r={4} fill={color} stroke="#fff" strokeWidth={1.5} data-testid="chart-point" />;
  }
  return IsolatedDot;
}

const axis = { tick: { fontSize: 12, fill: "#64748b" }, stroke: "#cbd5e1" };

export function VolumeChart({ data }: { data: TChartDay[] }) {
  return (
    <Frame label="Calls per day">
      <BarChart data={data} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="day" tickFormatter={shortDay} {...axis} />
        <YAxis allowDecimals={false} {...axis} />
        <Tooltip />
        <Bar dataKey="calls" name="Calls" fill={COLORS.brand} isAnimationActive={false} />
      </BarChart>
    </Frame>
  );
}

export function AnsweredChart({ data }: { data: TChartDay[] }) {
  return (
    <Frame label="Answered versus abandoned">
      <AreaChart data={data} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="day" tickFormatter={shortDay} {...axis} />
        <YAxis allowDecimals={false} {...axis} />
        <Tooltip />
        <Legend />
        <Area type="linear" dataKey="answered" name="Answered" stackId="1" stroke={COLORS.green} fill={COLORS.green} fillOpacity={0.3} isAnimationActive={false} />
        <Area type="linear" dataKey="abandoned" name="Abandoned" stackId="1" stroke={COLORS.red} fill={COLORS.red} fillOpacity={0.3} isAnimationActive={false} />
      </AreaChart>
    </Frame>
  );
}

export function ResolutionChart({ data }: { data: TChartDay[] }) {
  return (
    <Frame label="Resolution rate">
      <LineChart data={data} margin={{ top: 8, right: 8, left: -8, bottom: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="day" tickFormatter={shortDay} {...axis} />
        <YAxis domain={[0, 1]} tickFormatter={percent} {...axis} />
        <Tooltip formatter={(v) => (typeof v === "number" ? percent(v) : "—")} />
        <Line type="linear" dataKey="resolutionRate" name="Resolved" stroke={COLORS.green} dot={dotsFor(data, "resolutionRate", COLORS.green)} connectNulls isAnimationActive={false} />
      </LineChart>
    </Frame>
  );
}

export function SentimentChart({ data }: { data: TChartDay[] }) {
  return (
    <Frame label="Sentiment">
      <BarChart data={data} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="day" tickFormatter={shortDay} {...axis} />
        <YAxis allowDecimals={false} {...axis} />
        <Tooltip />
        <Legend />
        <Bar dataKey="positive" name="Positive" stackId="s" fill={COLORS.green} isAnimationActive={false} />
        <Bar dataKey="neutral" name="Neutral" stackId="s" fill={COLORS.slate} isAnimationActive={false} />
        <Bar dataKey="negative" name="Negative" stackId="s" fill={COLORS.red} isAnimationActive={false} />
      </BarChart>
    </Frame>
  );
}

export function HandleTimeChart({ data }: { data: TChartDay[] }) {
  return (
    <Frame label="Average handle time">
      <LineChart data={data} margin={{ top: 8, right: 8, left: -8, bottom: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="day" tickFormatter={shortDay} {...axis} />
        <YAxis tickFormatter={(v: number) => `${Math.round(v)}s`} {...axis} />
        <Tooltip formatter={(v) => (typeof v === "number" ? `${Math.round(v)} s` : "—")} />
        <Line type="linear" dataKey="avgHandleSec" name="Avg handle time" stroke={COLORS.sky} dot={dotsFor(data, "avgHandleSec", COLORS.sky)} connectNulls isAnimationActive={false} />
      </LineChart>
    </Frame>
  );
}

export function LatencyChart({ data }: { data: TChartDay[] }) {
  return (
    <Frame label="Voice-to-voice latency">
      <LineChart data={data} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="day" tickFormatter={shortDay} {...axis} />
        <YAxis tickFormatter={(v: number) => `${v}ms`} {...axis} />
        <Tooltip formatter={(v) => (typeof v === "number" ? `${v} ms` : "—")} />
        <Legend />
        <Line type="linear" dataKey="v2vP50Ms" name="p50" stroke={COLORS.brand} dot={dotsFor(data, "v2vP50Ms", COLORS.brand)} connectNulls isAnimationActive={false} />
        <Line type="linear" dataKey="v2vP95Ms" name="p95" stroke={COLORS.amber} dot={dotsFor(data, "v2vP95Ms", COLORS.amber)} connectNulls isAnimationActive={false} />
      </LineChart>
    </Frame>
  );
}

export function HorizontalBars({ label, data, color = "brand" }: { label: string; data: { name: string; value: number }[]; color?: keyof typeof COLORS }) {
  return (
    <div role="figure" aria-label={label} className="w-full" style={{ height: Math.max(120, data.length * 36 + 24) }}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 0, right: 16, left: 8, bottom: 0 }}>
          <XAxis type="number" allowDecimals={false} {...axis} />
          <YAxis type="category" dataKey="name" width={140} {...axis} />
          <Tooltip />
          <Bar dataKey="value" name="Calls" fill={COLORS[color]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
