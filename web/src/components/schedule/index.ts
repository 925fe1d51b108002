// The schedule builder (one component for the event editor and workflows).
export type {
  DayMatch,
  DstGapPolicy,
  DstOverlapPolicy,
  MisfirePolicy,
  OverlapPolicy,
  ScheduleKind,
  SchedulePreview,
  ScheduleSpec,
} from "@/api/schedules";
export { ScheduleBuilder, type ScheduleBuilderProps } from "./ScheduleBuilder";
