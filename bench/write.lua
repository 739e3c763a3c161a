-- wrk script: POST /items with a name no other request of the run uses.
--
-- The items table has a unique name, so every request names its item
-- "<run tag>-<thread>-<counter>": the tag (wrk's first script argument)
-- differs per wrk run, the thread number per thread, the counter per request.
-- Everything report.lua counts and prints is kept.

local script_dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(script_dir .. "numbered.lua")

local report_init = init

function init(args)
  report_init(args)
  run_tag = args[1] or "run"
  counter = 0
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"name":"%s-%d-%d","description":"written by bench/write.lua","quantity":%d}',
    run_tag, thread_number, counter, counter % 1000
  )
  return wrk.format("POST", nil, nil, body)
end
