-- strings.lua - benchmark: building and scanning fixed-length character records; same
-- algorithm as bench/mi/strings.mi. Runs on Lua 5.4 and LuaJIT 2.1.
local cities = {"LONDON", "PARIS", "ROME", "OSLO", "MADRID", "BERLIN", "VIENNA", "PRAGUE"}
local find, sub, rep = string.find, string.sub, string.rep
local n = tonumber(arg[1] or "100000")
local seed, paris, check, best = 42, 0, 0, ""
for i = 1, n do
  seed = seed * 48271 % 2147483647
  local rec = "ID" .. i .. ";" .. cities[seed % 8 + 1] .. ";" .. seed % 100000
  local line = rec .. rep(".", 48 - #rec)
  local p = find(line, ";", 1, true)
  local q = find(line, ";", p + 1, true) - p
  if sub(line, p + 1, p + q - 1) == "PARIS" then paris = paris + 1 end
  local d = find(line, "..", 1, true) or 0
  check = check + p + q + d
  if line > best then best = line end
end
print(string.format("%d records, %d PARIS, checksum %d", n, paris, check))
print(best)
