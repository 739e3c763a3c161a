-- wrk script helper: report.lua's counting, and each thread's number (1, 2, ...) as
-- the global thread_number, set before the thread's init() runs.

local script_dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(script_dir .. "report.lua")

local report_setup = setup
local threads_started = 0

function setup(thread)
  report_setup(thread)
  threads_started = threads_started + 1
  thread:set("thread_number", threads_started)
end
