"""Byte-level mutations of real legacy and v0 symbols (flips, truncations, duplications,
digit changes, splices, inserted tags), plus 10% random strings.
Usage: mutate.py SEED COUNT SYMBOLS_FILE"""
import random, sys
seed = int(sys.argv[1]); n = int(sys.argv[2])
random.seed(seed)
corpus = [l.rstrip('\n') for l in open(sys.argv[3]) if l.strip()]
rust = [s for s in corpus if s.startswith(('_R', '_ZN', '__ZN', 'ZN', 'R'))]
alpha = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$.@ "
v0tags = "CNMXYIBKLEpGUFDRQPOSATWuhjmbcesavnlxizdfoty_0123456789"
def mutate(s):
    s = list(s)
    for _ in range(random.choice([1,1,1,2,3,5])):
        op = random.randrange(9)
        if not s: s = list(random.choice(rust)[:5])
        i = random.randrange(len(s))
        if op == 0: s[i] = random.choice(alpha)
        elif op == 1: s[i] = random.choice(v0tags)
        elif op == 2: s = s[:random.randrange(len(s)+1)]
        elif op == 3:
            j = random.randrange(i, min(len(s), i+30)+1); s = s[:j] + s[i:j] + s[j:]
        elif op == 4:
            if s[i].isdigit(): s[i] = random.choice("0123456789")
            else: s.insert(i, random.choice("0123456789"))
        elif op == 5: del s[i]
        elif op == 6: s.insert(i, random.choice(v0tags))
        elif op == 7:
            other = random.choice(rust); k = random.randrange(len(other))
            s = s[:i] + list(other[k:k+random.randrange(1,20)]) + s[i:]
        else:
            s.insert(i, random.choice(["B_", "B0_", "B1_", "G0_", "Rp", "u5_abcde", "Ke616263_", "Kc2202_", "s_", ".llvm.AB", "$u7e$", "$LT$", ".."]))
    return ''.join(s).replace('\n','').replace('\r','')
for _ in range(n):
    r = random.random()
    if r < 0.9: print(mutate(random.choice(rust)))
    else: print(''.join(random.choice(alpha + v0tags) for _ in range(random.randrange(1, 40))))
