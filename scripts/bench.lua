-- wrk script of scripts/bench-http: one request kind per run, chosen by the first argument
-- after `--`, reading the tokens and ids that scripts/bench_data.py wrote into DIR.
--
--   get    DIR PREFIX THREADS         GET PREFIX..id, rotating over every customer id, as the supervisor
--   list   DIR PATH                   GET PATH as the supervisor
--   report DIR THREADS DAY0 RUN       POST /api/v1/daily-reports with 10 visits, as each salesperson
--                                     in turn, each request a new (salesperson, day) and its own
--                                     Idempotency-Key; days go back from DAY0 days before today
--   row    DIR                        POST /rows (the floor's insert), as the supervisor
--
-- `done` prints one line `BENCH requests=... rps=... p50_ms=... p99_ms=... non2xx=...
-- statuses=201x1234,...` (every response counted by status, so nothing that failed passes
-- unseen) and the body of the first non-2xx response, if any.

local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

local function lines(path)
   local out = {}
   for line in io.lines(path) do
      if line ~= "" then table.insert(out, line) end
   end
   return out
end

local function words(line)
   local out = {}
   for w in line:gmatch("%S+") do table.insert(out, w) end
   return out
end

local kind, requests_of, n = nil, {}, 0
local nthreads, day0, run, today = 1, 10, "run", 0
local sellers = {}
statuses, non2xx, sample = {}, 0, nil

function init(args)
   kind = args[1]
   local dir = args[2]
   local supervisor = lines(dir .. "/supervisor.token")[1]
   local auth = { ["Authorization"] = "Bearer " .. supervisor }
   if kind == "get" then
      nthreads = tonumber(args[4])
      for _, id in ipairs(lines(dir .. "/customers.txt")) do
         table.insert(requests_of, wrk.format("GET", args[3] .. id, auth))
      end
   elseif kind == "list" then
      requests_of = { wrk.format("GET", args[3], auth) }
   elseif kind == "row" then
      auth["Content-Type"] = "application/json"
      requests_of = { wrk.format("POST", "/rows", auth, '{"body":"one row of the floor"}') }
   elseif kind == "report" then
      nthreads, day0, run = tonumber(args[3]), tonumber(args[4]), args[5]
      today = math.floor(os.time() / 86400) * 86400
      for _, line in ipairs(lines(dir .. "/salespeople.txt")) do
         local w = words(line)
         local visits = {}
         for v = 1, 10 do
            local h = string.format("%02d", 7 + v)
            table.insert(visits, string.format(
               '{"customer_id":"%s","started_at":"DAYT%s:00:00Z","ended_at":"DAYT%s:40:00Z",'
               .. '"purpose":"ordering","outcome":"order_placed","effective":true,'
               .. '"order_amount_minor":%d,"collected_amount_minor":%d,'
               .. '"checkin_lat":53.55,"checkin_lon":9.99,"checkin_accuracy_m":15}',
               w[1 + v], h, h, 10000 + v, 500 * v))
         end
         table.insert(sellers, {
            token = "Bearer " .. w[1],
            body = '{"report_date":"DAY","attendance":"present","visits":['
               .. table.concat(visits, ",") .. '],"tomorrow_focus":"Follow up the orders"}',
         })
      end
   else
      error("unknown request kind " .. tostring(kind))
   end
end

function request()
   local i = n * nthreads + tid -- unique across threads
   n = n + 1
   if kind == "report" then
      local s = sellers[i % #sellers + 1]
      local back = day0 + math.floor(i / #sellers)
      local day = os.date("!%Y-%m-%d", today - back * 86400)
      local body = s.body:gsub("DAY", day)
      return wrk.format("POST", "/api/v1/daily-reports", {
         ["Authorization"] = s.token,
         ["Content-Type"] = "application/json",
         ["Idempotency-Key"] = run .. "-" .. i,
      }, body)
   end
   return requests_of[i % #requests_of + 1]
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if sample == nil then sample = status .. " " .. body:sub(1, 300) end
   end
end

function done(summary, latency, requests)
   local total, codes, first = 0, {}, nil
   local counts = {}
   for _, t in ipairs(threads) do
      total = total + t:get("non2xx")
      for k, v in pairs(t:get("statuses")) do counts[k] = (counts[k] or 0) + v end
      first = first or t:get("sample")
   end
   for k, v in pairs(counts) do table.insert(codes, k .. "x" .. v) end
   table.sort(codes)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f "
      .. "non2xx=%d socket_errors=%d statuses=%s\n",
      summary.requests, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      total, e.connect + e.read + e.write + e.timeout, table.concat(codes, ",")))
   if first then io.write("BENCH first non-2xx: " .. first .. "\n") end
end
