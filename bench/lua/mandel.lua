-- mandel.lua - benchmark: the Mandelbrot set in binary64; same algorithm and order of
-- operations as bench/mi/mandel.mi. Runs on Lua 5.4 and LuaJIT 2.1.
local n = tonumber(arg[1] or "200")
local m = 200
local step = 3.0 / n
local total, inside = 0, 0
for y = 0, n - 1 do
  local ci = y * step - 1.5
  for x = 0, n - 1 do
    local cr = x * step - 2.0
    local zr, zi = 0.0, 0.0
    local k = 0
    while k < m do
      local zr2, zi2 = zr * zr, zi * zi
      if zr2 + zi2 > 4.0 then break end
      local t = zr * zi
      zi = t + t + ci
      zr = zr2 - zi2 + cr
      k = k + 1
    end
    if k == m then inside = inside + 1 end
    total = total + k
  end
end
print(string.format("mandel %dx%d: %d iterations, %d inside", n, n, total, inside))
