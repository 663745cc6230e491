-- wrk script for bench/enrolments.sh: each request is one participant's expression of interest,
-- `POST /api/v1/work-groups/{id}/enrolments` with their own bearer token and an
-- `Idempotency-Key` of its own. The requests come from the file named by BENCH_EOI_REQUESTS,
-- one a line: `idempotency_key token work_group_id school_urn` (bench/mint_tokens.py);
-- thread t of BENCH_EOI_THREADS sends lines t, t + threads, t + 2 × threads, …, so no line is
-- sent twice. BENCH_EOI_NO_KEY=1 leaves the key out. A thread that runs out of lines sends requests without a token (401), which
-- counts as an error, and says so when the run ends.

local threads = {}
local count = 0

function setup(thread)
    thread:set("index", count)
    count = count + 1
    table.insert(threads, thread)
end

local send_key = os.getenv("BENCH_EOI_NO_KEY") ~= "1"
local lines = {}
local next_line
local stride

function init(args)
    stride = tonumber(os.getenv("BENCH_EOI_THREADS"))
    next_line = index + 1
    for line in io.lines(os.getenv("BENCH_EOI_REQUESTS")) do
        table.insert(lines, line)
    end
    exhausted = 0
end

function request()
    local line = lines[next_line]
    next_line = next_line + stride
    if line == nil then
        exhausted = exhausted + 1
        return wrk.format("POST", "/api/v1/work-groups/00000000-0000-0000-0000-000000000000/enrolments")
    end
    local key, token, group, urn = line:match("(%S+) (%S+) (%S+) (%S+)")
    local body = '{"school_urn":"' .. urn .. '","role_in_school":"teacher",'
        .. '"statement":"I want to develop mastery approaches in my school."}'
    local headers = {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
    }
    if send_key then
        headers["Idempotency-Key"] = key
    end
    return wrk.format("POST", "/api/v1/work-groups/" .. group .. "/enrolments", headers, body)
end

function done(summary, latency, requests)
    local exhausted = 0
    for _, thread in ipairs(threads) do
        exhausted = exhausted + thread:get("exhausted")
    end
    -- Parsed by bench/enrolments.sh: answers counted, including those other than 2xx.
    io.write(string.format("eoi-requests: %d\n", summary.requests))
    if exhausted > 0 then
        io.write(string.format("eoi-exhausted: %d requests had no participant left\n", exhausted))
    end
end
