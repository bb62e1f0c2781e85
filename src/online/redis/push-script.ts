/**
 * The Redis side of a push (docs/push.md): one EVAL applies one step of a push atomically — the
 * version check, dedupe, lateness, the newest-seen update and every append — so concurrent pushes
 * to one entity never lose an update and a client that dies mid-send leaves all or nothing.
 *
 * KEYS: 1 the pointer hash, 2 the newest hash, 3 the source's pushed-ids sorted set, then the
 * push key of (row r, target j) at 3 + (r − 1) · targets + j. The state key of a late event
 * (event time before the version's end) is computed in the script from ARGV's prefix, the version
 * and the entity key (the push key's tail): in Redis Cluster, every key of one push would need one
 * hash tag (`{<project>}`) for the script to run; not done yet.
 *
 * ARGV: targets, rows, value-key root (`fc:<project>:v`), dedupe (1/0), trim ids (1/0),
 * loaded-ids root (`fc:<project>:loaded-ids:`); per target: view, version, end µs, kind (a/p),
 * lateness µs ('' none), push-prefix length; per row: id ('' none), event time µs, then per
 * target: bytes, expiry (Unix ms, 0 none).
 *
 * Dedupe (docs/push.md, "Duplicates"): a row whose id was pushed before is skipped for every
 * view; a row older than an aggregation view's end whose id is among the ids `load` recorded for
 * that version (events already in its state) is skipped for that view, and counts as a duplicate.
 *
 * Returns {'stale', view} when a load switched a target's version (nothing written), else
 * {applied₁…applied_n, late₁…late_n, duplicates}. Event times are compared as Lua doubles: exact
 * within ±2^53 µs, which the client checks.
 */
export const PUSH_SCRIPT = `
local nv = tonumber(ARGV[1])
local nr = tonumber(ARGV[2])
local root = ARGV[3]
local dedupe = ARGV[4] == '1'
local trim = ARGV[5] == '1'
local loadedRoot = ARGV[6]
local T = {}
local a = 7
for j = 1, nv do
  local t = {name = ARGV[a], ver = ARGV[a + 1], e = tonumber(ARGV[a + 2]), kind = ARGV[a + 3], plen = tonumber(ARGV[a + 5]), applied = 0, nlate = 0, changed = false}
  if ARGV[a + 4] ~= '' then t.late = tonumber(ARGV[a + 4]) end
  a = a + 6
  if redis.call('HGET', KEYS[1], t.name) ~= t.ver then return {'stale', t.name} end
  t.newest = t.e
  local seen = redis.call('HGET', KEYS[2], t.name)
  if seen and tonumber(seen) > t.newest then t.newest = tonumber(seen) end
  T[j] = t
end
local dups = 0
for r = 1, nr do
  local id = ARGV[a]
  local ts = tonumber(ARGV[a + 1])
  a = a + 2
  local dup = false
  if dedupe and id ~= '' then
    if redis.call('ZSCORE', KEYS[3], id) then dup = true else redis.call('ZADD', KEYS[3], ts, id) end
  end
  if dup then
    dups = dups + 1
    a = a + 2 * nv
  else
    local loaded = false
    for j = 1, nv do
      local t = T[j]
      local val = ARGV[a]
      local exp = ARGV[a + 1]
      a = a + 2
      if t.late and ts < t.newest - t.late then
        t.nlate = t.nlate + 1
      elseif dedupe and id ~= '' and t.kind == 'a' and ts < t.e and redis.call('SISMEMBER', loadedRoot .. t.ver, id) == 1 then
        loaded = true
      else
        local key = KEYS[3 + (r - 1) * nv + j]
        if t.kind == 'a' then
          if ts >= t.e then
            redis.call('APPEND', key, val)
          else
            redis.call('APPEND', root .. t.ver .. ':' .. string.sub(key, t.plen + 1), val)
          end
        else
          local old = redis.call('GETRANGE', key, 0, 31)
          if old == '' or old <= string.sub(val, 1, 32) then
            if exp ~= '0' then redis.call('SET', key, val, 'PXAT', exp) else redis.call('SET', key, val) end
          end
        end
        t.applied = t.applied + 1
        if ts > t.newest then
          t.newest = ts
          t.changed = true
        end
      end
    end
    if loaded then dups = dups + 1 end
  end
end
local out = {}
local horizon = nil
for j = 1, nv do
  local t = T[j]
  if t.changed then redis.call('HSET', KEYS[2], t.name, string.format('%.0f', t.newest)) end
  if t.late and (horizon == nil or t.newest - t.late < horizon) then horizon = t.newest - t.late end
  out[j] = t.applied
  out[nv + j] = t.nlate
end
if dedupe and trim and horizon then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. string.format('%.0f', horizon)) end
out[2 * nv + 1] = dups
return out
`;

/**
 * Drops an aggregation view's pushed records older than a new version's end, after a load: a
 * compare-and-swap of the value's prefix — the script keeps the records appended since the
 * loader read it (pushes only append), so none is ever lost. KEYS[1]: the push key; ARGV: the
 * length read, the kept records of that prefix. Returns 1 if done, 0 if the key changed otherwise.
 */
export const TRIM_SCRIPT = `
local len = tonumber(ARGV[1])
local now = redis.call('STRLEN', KEYS[1])
if now < len then return 0 end
local rest = ''
if now > len then rest = redis.call('GETRANGE', KEYS[1], len, -1) end
local kept = ARGV[2] .. rest
if kept == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], kept) end
return 1
`;
