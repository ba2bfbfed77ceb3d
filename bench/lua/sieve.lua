-- sieve.lua - benchmark: sieve of Eratosthenes; same algorithm as bench/mi/sieve.mi.
-- Runs on Lua 5.4 and LuaJIT 2.1. Lua has no byte array: a table of n numbers, zeroed first.
local n = tonumber(arg[1] or "1000000")
local flag = {}
for i = 1, n do flag[i] = 0 end
local i = 2
while i * i < n do
  if flag[i] == 0 then
    for j = i * i, n - 1, i do flag[j] = 1 end
  end
  i = i + 1
end
local count, largest = 0, 0
for k = 2, n - 1 do
  if flag[k] == 0 then
    count = count + 1
    largest = k
  end
end
print(string.format("%d primes below %d, largest %d", count, n, largest))
