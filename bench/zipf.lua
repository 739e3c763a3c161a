-- wrk script: GET /items/{id} for ids read from a file, one per line, in order.
--
-- bench/options.py draws the ids from a Zipf distribution and writes them to the
-- file (wrk's first script argument); each thread starts at its own share of
-- them (the second argument is the thread count) and wraps around.
-- Everything report.lua counts and prints is kept.

local script_dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(script_dir .. "numbered.lua")

local report_init = init

function init(args)
  report_init(args)
  paths = {}
  for id in io.lines(args[1]) do
    paths[#paths + 1] = "/items/" .. id
  end
  -- Each of the args[2] threads replays its own share of the draws.
  position = (thread_number - 1) * math.floor(#paths / tonumber(args[2]))
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end
