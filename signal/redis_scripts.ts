/**
 * The shared lobby's steps as Redis Lua scripts. Redis runs each script atomically and one at a
 * time, so two processes joining the same room, or two quick-matches racing for the same open
 * room, are simply ordered: the second sees the first's result (`room-full`, or the room it just
 * opened). No locks, no WATCH retries.
 *
 * Every script also sends what its step causes, inside the same atomic step: messages for a
 * player are appended to the inbox stream of the process holding that player's socket
 * (`<P>:inbox:<process>`, field `m` = `"<player id> <json>"`), room-list changes are published on
 * `<P>:ev` (as `{"s": seq, "room": RoomInfo}` or `{"s": seq, "removed": id}`, seq counting every
 * event). A stream keeps what a briefly disconnected reader missed, so no `paired` or `signal` is
 * lost to a network blip; the room list needs no such care, a process that missed an event (a gap
 * in seq) reloads the whole list. A script run for a request ends by appending `"!<token>"` to the
 * caller's own inbox: when that arrives, everything the step sent to the caller's process has
 * arrived before it.
 *
 * Data model (P = the configured prefix):
 *
 *     P:player:<id>         hash  proc, name, room?
 *     P:procplayers:<proc>  set   player ids held by a lobby process
 *     P:procs               set   lobby processes that registered
 *     P:inbox:<proc>        stream messages for the process's players (capped, deleted with it)
 *     P:alive:<proc>        string with a TTL: the process's heartbeat
 *     P:room:<id>           hash  name, code ("" if public), pw ("" or salt:hash hex), a (offerer),
 *                                 b (answerer or ""), state, session, createdAt, seq
 *     P:rooms               set   every room id (the MAX_ROOMS count)
 *     P:public              zset  public room ids by creation seq (the room list, oldest first)
 *     P:quick               zset  open public unlocked rooms by seq (quick match takes the lowest)
 *     P:code:<CODE>         string  private room id by invite code
 *     P:roomseq, P:evseq    counters
 *     P:states              hash  rooms by state (open/full/playing), for metrics
 *
 * ARGV of every script: [1] prefix, [2] calling process id, [3] ack token ("" for none), then the
 * step's own arguments. Results are arrays of strings: `{"ok", ...}`, `{"error", code, message}`,
 * `{"gone"}` (the player is not registered: reaped), `{"retry"}` (a random id collided).
 */

const PRELUDE = `
local P, ME, ACK = ARGV[1], ARGV[2], ARGV[3]
local function key(...) return P .. ':' .. table.concat({...}, ':') end
local function q(s) return cjson.encode(s) end
local function hash(k)
  local flat = redis.call('HGETALL', k)
  if #flat == 0 then return nil end
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end
local function rid_part(rid) if rid == '' then return '' end return ',"rid":' .. rid end
local function post(proc, text)
  redis.call('XADD', key('inbox', proc), 'MAXLEN', '~', '10000', '*', 'm', text)
end
local function tell(pid, json)
  local proc = redis.call('HGET', key('player', pid), 'proc')
  if proc then post(proc, pid .. ' ' .. json) end
end
local function info(id, r)
  local players = 1
  if r.b ~= '' then players = 2 end
  return '{"id":' .. q(id) .. ',"name":' .. q(r.name) .. ',"players":' .. players ..
    ',"capacity":2,"state":' .. q(r.state) .. ',"locked":' .. tostring(r.pw ~= '') ..
    ',"createdAt":' .. r.createdAt .. '}'
end
local function announce(id, r)
  if r.code ~= '' then return end
  local s = redis.call('INCR', key('evseq'))
  redis.call('PUBLISH', key('ev'), '{"s":' .. s .. ',"room":' .. info(id, r) .. '}')
end
local function announce_removed(id)
  local s = redis.call('INCR', key('evseq'))
  redis.call('PUBLISH', key('ev'), '{"s":' .. s .. ',"removed":' .. q(id) .. '}')
end
local function set_state(id, r, st)
  if r.state == st then return end
  redis.call('HINCRBY', key('states'), r.state, -1)
  redis.call('HINCRBY', key('states'), st, 1)
  r.state = st
  redis.call('HSET', key('room', id), 'state', st)
end
local function requeue(id, r)
  if r.code == '' and r.pw == '' and r.state == 'open' then
    redis.call('ZADD', key('quick'), tonumber(r.seq), id)
  else
    redis.call('ZREM', key('quick'), id)
  end
end
local function joined(id, r, rid)
  local code = ''
  if r.code ~= '' then code = ',"code":' .. q(r.code) end
  return '{"type":"joined","room":' .. info(id, r) .. code .. rid_part(rid) .. '}'
end
local function open_room(pid, id, name, code, pw, now, rid)
  local seq = redis.call('INCR', key('roomseq'))
  local r = { name = name, code = code, pw = pw, a = pid, b = '', state = 'open', session = '',
    createdAt = now, seq = tostring(seq) }
  redis.call('HSET', key('room', id), 'name', name, 'code', code, 'pw', pw, 'a', pid, 'b', '',
    'state', 'open', 'session', '', 'createdAt', now, 'seq', seq)
  redis.call('SADD', key('rooms'), id)
  redis.call('HINCRBY', key('states'), 'open', 1)
  if code == '' then
    redis.call('ZADD', key('public'), seq, id)
  else
    redis.call('SET', key('code', code), id)
  end
  redis.call('HSET', key('player', pid), 'room', id)
  requeue(id, r)
  tell(pid, joined(id, r, rid))
  announce(id, r)
end
local function enter(id, r, pid, pname, rid, session)
  local first = r.a
  r.b = pid
  r.session = session
  redis.call('HSET', key('room', id), 'b', pid, 'session', session)
  set_state(id, r, 'full')
  redis.call('HSET', key('player', pid), 'room', id)
  requeue(id, r)
  tell(pid, joined(id, r, rid))
  local fname = redis.call('HGET', key('player', first), 'name') or ''
  tell(first, '{"type":"paired","peer":{"id":' .. q(pid) .. ',"name":' .. q(pname) ..
    '},"role":"offerer","session":' .. q(session) .. '}')
  tell(pid, '{"type":"paired","peer":{"id":' .. q(first) .. ',"name":' .. q(fname) ..
    '},"role":"answerer","session":' .. q(session) .. '}')
  announce(id, r)
end
local function exit(pid)
  local id = redis.call('HGET', key('player', pid), 'room')
  if not id then return end
  redis.call('HDEL', key('player', pid), 'room')
  local r = hash(key('room', id))
  if not r then return end
  local remaining
  if r.a == pid then remaining = r.b elseif r.b == pid then remaining = r.a else return end
  if remaining == '' then
    redis.call('DEL', key('room', id))
    redis.call('SREM', key('rooms'), id)
    redis.call('HINCRBY', key('states'), r.state, -1)
    redis.call('ZREM', key('quick'), id)
    if r.code == '' then
      redis.call('ZREM', key('public'), id)
      announce_removed(id)
    else
      redis.call('DEL', key('code', r.code))
    end
    return
  end
  r.a = remaining
  r.b = ''
  r.session = ''
  redis.call('HSET', key('room', id), 'a', remaining, 'b', '', 'session', '')
  set_state(id, r, 'open')
  requeue(id, r)
  tell(remaining, '{"type":"peer-left","id":' .. q(pid) .. '}')
  announce(id, r)
end
local function forget(pid)
  local proc = redis.call('HGET', key('player', pid), 'proc')
  exit(pid)
  redis.call('DEL', key('player', pid))
  if proc then redis.call('SREM', key('procplayers', proc), pid) end
end
`;

/** Wraps a step body: prelude, the body as a function, then the ack (if a token was given). */
function script(body: string): string {
  return `${PRELUDE}
local function step()
${body}
end
local result = step()
if ACK ~= '' then post(ME, '!' .. ACK) end
return result
`;
}

const ERR_ALREADY = `{'error', 'already-in-room', 'leave your room first'}`;
const ERR_FULL_SERVER = `{'error', 'server-full', 'too many rooms, try later'}`;

/** The scripts by name; ARGV after the common three are listed per script. */
export const REDIS_SCRIPTS = {
  /** [4] player id, [5] name. Refuses when this process's heartbeat is gone (fenced). */
  connect: script(`
  if redis.call('EXISTS', key('alive', ME)) == 0 then return {'fenced'} end
  local pid = ARGV[4]
  redis.call('HSET', key('player', pid), 'proc', ME, 'name', ARGV[5])
  redis.call('SADD', key('procplayers', ME), pid)
  return {'ok'}`),

  /** [4] player id, [5] name, [6] rid JSON or "". */
  rename: script(`
  local pid = ARGV[4]
  if redis.call('EXISTS', key('player', pid)) == 0 then return {'gone'} end
  redis.call('HSET', key('player', pid), 'name', ARGV[5])
  tell(pid, '{"type":"renamed","name":' .. q(ARGV[5]) .. rid_part(ARGV[6]) .. '}')
  return {'ok'}`),

  /** [4] player, [5] new room id, [6] name, [7] invite code or "", [8] pw or "", [9] now ms,
   * [10] max rooms, [11] rid JSON or "". */
  create: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if p.room then return ${ERR_ALREADY} end
  if redis.call('SCARD', key('rooms')) >= tonumber(ARGV[10]) then return ${ERR_FULL_SERVER} end
  if redis.call('EXISTS', key('room', ARGV[5])) == 1 then return {'retry'} end
  if ARGV[7] ~= '' and redis.call('EXISTS', key('code', ARGV[7])) == 1 then return {'retry'} end
  open_room(pid, ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[11])
  return {'ok'}`),

  /** Read-only: [4] player, [5] ref lowercased (public id), [6] ref uppercased (invite code).
   * Returns {"ok", room id, pw} or an error, checked in the same order as the in-memory lobby. */
  resolve: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if p.room then return ${ERR_ALREADY} end
  local id = ARGV[5]
  local r = hash(key('room', id))
  -- A private room's id is not a way in: only its code is.
  if r and r.code ~= '' then r = nil end
  if not r then
    id = redis.call('GET', key('code', ARGV[6]))
    if id then r = hash(key('room', id)) end
  end
  if not r then return {'error', 'room-not-found', ''} end
  if r.b ~= '' then return {'error', 'room-full', 'the room already has two players'} end
  return {'ok', id, r.pw}`),

  /** [4] player, [5] room id, [6] the pw the caller verified, [7] rid JSON or "", [8] session. */
  join: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if p.room then return ${ERR_ALREADY} end
  local r = hash(key('room', ARGV[5]))
  if not r then return {'error', 'room-not-found', ''} end
  if r.b ~= '' then return {'error', 'room-full', 'the room already has two players'} end
  if r.pw ~= ARGV[6] then return {'error', 'wrong-password', 'wrong password'} end
  enter(ARGV[5], r, pid, p.name, ARGV[7], ARGV[8])
  return {'ok', 'paired'}`),

  /** [4] player, [5] new room id, [6] now ms, [7] max rooms, [8] rid JSON or "", [9] session. */
  quick: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if p.room then return ${ERR_ALREADY} end
  local oldest = redis.call('ZRANGE', key('quick'), 0, 0)[1]
  if oldest then
    enter(oldest, hash(key('room', oldest)), pid, p.name, ARGV[8], ARGV[9])
    return {'ok', 'paired'}
  end
  if redis.call('SCARD', key('rooms')) >= tonumber(ARGV[7]) then return ${ERR_FULL_SERVER} end
  if redis.call('EXISTS', key('room', ARGV[5])) == 1 then return {'retry'} end
  open_room(pid, ARGV[5], p.name .. "'s room", '', '', ARGV[6], ARGV[8])
  return {'ok'}`),

  /** [4] player, [5] rid JSON or "". */
  leave: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if not p.room then return {'error', 'not-in-room', 'you are not in a room'} end
  tell(pid, '{"type":"left"' .. rid_part(ARGV[5]) .. '}')
  exit(pid)
  return {'ok'}`),

  /** [4] player, [5] signal kind, [6] the validated signal data as JSON. */
  signal: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if not p.room then return {'error', 'not-paired', 'you are not in a room'} end
  local r = hash(key('room', p.room))
  if not r then return {'error', 'not-paired', 'you are not in a room'} end
  local peer = r.a
  if peer == pid then peer = r.b end
  if peer == '' then return {'error', 'not-paired', 'wait for \`paired\` before signalling'} end
  tell(peer, '{"type":"signal","from":' .. q(pid) .. ',"data":' .. ARGV[6] .. '}')
  -- The lobby cannot see the peer connection; a relayed answer is the last step it takes part in.
  if ARGV[5] == 'answer' and r.state == 'full' then
    set_state(p.room, r, 'playing')
    announce(p.room, r)
  end
  return {'ok'}`),

  /** [4] player. Leaves its room (the peer gets peer-left) and forgets it. Idempotent. */
  disconnect: script(`
  forget(ARGV[4])
  return {'ok'}`),

  /** [4] a process whose heartbeat expired, [5] batch size. Forgets up to a batch of its players;
   * {"more"} until none are left, then {"done"}; {"alive"} if its heartbeat is back. */
  reap: script(`
  local dead = ARGV[4]
  if redis.call('EXISTS', key('alive', dead)) == 1 then return {'alive'} end
  local pids = redis.call('SRANDMEMBER', key('procplayers', dead), tonumber(ARGV[5]))
  for _, pid in ipairs(pids) do
    forget(pid)
    redis.call('SREM', key('procplayers', dead), pid)
  end
  if redis.call('SCARD', key('procplayers', dead)) > 0 then return {'more', tostring(#pids)} end
  redis.call('SREM', key('procs'), dead)
  redis.call('DEL', key('inbox', dead))
  return {'done', tostring(#pids)}`),

  /** Read-only: {event seq, RoomInfo JSON...} of every public room, oldest first. */
  snapshot: script(`
  local out = { redis.call('GET', key('evseq')) or '0' }
  for _, id in ipairs(redis.call('ZRANGE', key('public'), 0, -1)) do
    local r = hash(key('room', id))
    if r then out[#out + 1] = info(id, r) end
  end
  return out`),
} as const;

/** A script's name. */
export type RedisScriptName = keyof typeof REDIS_SCRIPTS;
