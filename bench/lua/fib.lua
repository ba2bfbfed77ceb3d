-- fib.lua - benchmark: naive recursive Fibonacci; same algorithm as bench/mi/fib.mi.
-- Runs on Lua 5.4 and LuaJIT 2.1.
local function fib(n)
  if n > 1 then return fib(n - 1) + fib(n - 2) end
  return n
end

local n = tonumber(arg[1] or "30")
print(string.format("fib(%d) = %d", n, fib(n)))
