-- A plan step's task done moves its plan's "updated on" to that day; the day it replaced is
-- kept on the step's link, so that undoing the Done (a press by mistake) puts it back.
ALTER TABLE plan_step_tasks ADD COLUMN plan_updated_before TEXT;
