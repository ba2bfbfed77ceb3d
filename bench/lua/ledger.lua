-- ledger.lua - benchmark: n transactions on money, totals per account and an edited report;
-- same algorithm as bench/mi/ledger.mi. Runs on Lua 5.4 and LuaJIT 2.1: money is an integral
-- count of cents (exact in LuaJIT's doubles below 2^53), rates are scaled by 10^5, products are
-- rounded half away from zero by adding half the divisor and taking the floor (never negative).
local NACCT = 50
local floor = math.floor

-- MI's EDIT (spec section 7) of the integer v = value * 10^fp through mask.
local function edit(v, mask)
  local body, sign = mask, ""
  if mask:sub(-2) == "CR" then
    body, sign = mask:sub(1, -3), "CR"
  elseif mask:sub(-1) == "-" or mask:sub(-1) == "+" then
    body, sign = mask:sub(1, -2), mask:sub(-1)
  end
  local ndig = select(2, body:gsub("[9Z*]", ""))
  local digits = string.format("%d", v < 0 and -v or v)
  digits = string.rep("0", ndig - #digits) .. digits
  local out, di = {}, 1
  local suppress, printed, fill, after = true, false, " ", false
  for i = 1, #body do
    local c = body:sub(i, i)
    if c == "9" or c == "Z" or c == "*" then
      local d = digits:sub(di, di)
      di = di + 1
      if not after and suppress and d == "0" and c ~= "9" then
        fill = (c == "Z") and " " or "*"
        out[#out + 1] = fill
      else
        out[#out + 1] = d
        suppress, printed = false, true
      end
    elseif c == "." then
      out[#out + 1] = "."
      suppress, after = false, true
    elseif c == "," then
      out[#out + 1] = printed and "," or fill
    else
      out[#out + 1] = c
    end
  end
  if sign == "CR" then
    out[#out + 1] = v < 0 and "CR" or "  "
  elseif sign == "-" then
    out[#out + 1] = v < 0 and "-" or " "
  elseif sign == "+" then
    out[#out + 1] = v < 0 and "-" or "+"
  end
  return table.concat(out)
end

local function put(line, col, text)
  return line:sub(1, col - 1) .. text .. line:sub(col + #text)
end

local function outln(line)
  print((line:gsub(" +$", "")))
end

local n = tonumber(arg[1] or "1000000")
local seed = 42
local rate, bal, fees, cnt = {}, {}, {}, {}
for k = 1, NACCT do
  seed = seed * 48271 % 2147483647
  rate[k] = 50000 + seed % 100000
  bal[k], fees[k], cnt[k] = 0, 0, 0
end
local vol = 0
for _ = 1, n do
  seed = seed * 48271 % 2147483647
  local a = seed % NACCT + 1
  seed = seed * 48271 % 2147483647
  local cents = seed % 1000000
  local conv = floor((cents * rate[a] + 50000) / 100000)
  vol = vol + conv
  cnt[a] = cnt[a] + 1
  if ((seed - cents) / 1000000) % 2 == 0 then -- a debit, with a fee of 0.25 %
    local fee = floor((conv * 25 + 5000) / 10000)
    bal[a] = bal[a] - conv - fee
    fees[a] = fees[a] + fee
  else
    bal[a] = bal[a] + conv
  end
end
print("ACCT      COUNT            BALANCE            FEES")
local blank = string.rep(" ", 60)
local tcnt, tbal, tfees = 0, 0, 0
for k = 1, NACCT do
  local line = put(blank, 1, edit(k, "ZZZ9"))
  line = put(line, 7, edit(cnt[k], "Z,ZZZ,ZZ9"))
  line = put(line, 18, edit(bal[k], "$ZZZ,ZZZ,ZZ9.99CR"))
  line = put(line, 37, edit(fees[k], "$ZZ,ZZZ,ZZ9.99"))
  outln(line)
  tcnt, tbal, tfees = tcnt + cnt[k], tbal + bal[k], tfees + fees[k]
end
local line = put(blank, 1, "TOTAL")
line = put(line, 7, edit(tcnt, "Z,ZZZ,ZZ9"))
line = put(line, 18, edit(tbal, "$ZZZ,ZZZ,ZZ9.99CR"))
line = put(line, 37, edit(tfees, "$ZZ,ZZZ,ZZ9.99"))
outln(line)
outln(put(put(blank, 1, "VOLUME"), 18, edit(vol, "$ZZ,ZZZ,ZZZ,ZZ9.99")))
