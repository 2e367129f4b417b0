"""Random v0 symbols from the RFC 2603 grammar (paths, generics, impls, types, function
pointers, dyn traits, patterns, constants, Punycode, backreferences), a quarter of them then
damaged by one edit. Usage: grammar.py SEED COUNT"""
import random, sys
seed=int(sys.argv[1]); N=int(sys.argv[2]); random.seed(seed)
D="0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
def b62(n):
    if n==0: return "_"
    n-=1; s=""
    while True:
        s=D[n%62]+s; n//=62
        if n==0: break
    return s+"_"
class G:
    def __init__(s): s.out=""; s.depth=0
    def backref(s):
        if len(s.out)<2 or random.random()<0.5: return None
        return "B"+b62(random.randrange(0,len(s.out)))
    def ident(s):
        r=random.random()
        if r<0.1:
            # punycode
            p="".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(random.randrange(1,12)))
            a="".join(random.choice("abc_") for _ in range(random.randrange(0,4)))
            t=(a+"_"+p) if a else p
            return "u"+str(len(t))+("_" if t[0].isdigit() or t[0]=="_" else "")+t
        if r<0.15: return "0"
        name=random.choice(["foo","bar","core","std","Vec","Option","call_once","{{x}}","a","x_y","_123"])
        if random.random()<0.1: name=random.choice(["C","Rust","rust_call","sysv64_unwind"])
        return str(len(name))+("_" if name[0].isdigit() or name[0]=="_" else "")+name
    def dis(s): return "" if random.random()<0.6 else "s"+b62(random.randrange(0,100000))
    def emit(s,x): s.out+=x
    def path(s):
        s.depth+=1
        r=random.random() if s.depth<8 else 0
        br=s.backref() if random.random()<0.15 else None
        if br: s.emit(br)
        elif r<0.3: s.emit("C"+s.dis()+s.ident())
        elif r<0.55: s.emit("N"+random.choice("vtCSXaZm")); s.path(); s.emit(s.dis()+s.ident())
        elif r<0.65: s.emit("M"+s.dis()); s.path(); s.type()
        elif r<0.72: s.emit("X"+s.dis()); s.path(); s.type(); s.path()
        elif r<0.78: s.emit("Y"); s.type(); s.path()
        else:
            s.emit("I"); s.path()
            for _ in range(random.randrange(0,4)): s.garg()
            s.emit("E")
        s.depth-=1
    def garg(s):
        r=random.random()
        if r<0.15: s.emit("L"+b62(random.randrange(0,4)))
        elif r<0.35: s.emit("K"); s.const()
        else: s.type()
    def type(s):
        s.depth+=1
        r=random.random() if s.depth<8 else 0
        br=s.backref() if random.random()<0.15 else None
        if br: s.emit(br)
        elif r<0.35: s.emit(random.choice("bceuaslxnihtmyojfdzpv"))
        elif r<0.42: s.emit(random.choice("RQ")+("L"+b62(random.randrange(0,4)) if random.random()<0.4 else "")); s.type()
        elif r<0.47: s.emit(random.choice("PO")); s.type()
        elif r<0.52: s.emit("A"); s.type(); s.const()
        elif r<0.56: s.emit("S"); s.type()
        elif r<0.62:
            s.emit("T")
            for _ in range(random.randrange(0,4)): s.type()
            s.emit("E")
        elif r<0.7:
            s.emit("F"+("G"+b62(random.randrange(0,3)) if random.random()<0.4 else "")+("U" if random.random()<0.3 else ""))
            if random.random()<0.4: s.emit("K"+("C" if random.random()<0.5 else s.ident()))
            for _ in range(random.randrange(0,3)): s.type()
            s.emit("E"); 
            if random.random()<0.3: s.emit("u")
            else: s.type()
        elif r<0.78:
            s.emit("D"+("G"+b62(random.randrange(0,3)) if random.random()<0.4 else ""))
            for _ in range(random.randrange(0,3)):
                s.path()
                for _ in range(random.randrange(0,2)):
                    s.emit("p"+s.ident())
                    if random.random()<0.3: s.emit("K"); s.const()
                    else: s.type()
            s.emit("EL"+b62(random.randrange(0,4)))
        elif r<0.82:
            s.emit("W"); s.type(); s.pat()
        else: s.path()
        s.depth-=1
    def pat(s):
        r=random.random()
        if r<0.5: s.emit("R"); s.const(); s.const()
        elif r<0.7: s.emit("N")
        else:
            s.emit("O"); s.pat()
            for _ in range(random.randrange(0,3)): s.pat()
            s.emit("E")
    def hexs(s,n): return "".join(random.choice("0123456789abcdef") for _ in range(n))
    def const(s):
        s.depth+=1
        r=random.random() if s.depth<8 else 0
        br=s.backref() if random.random()<0.1 else None
        if br: s.emit(br)
        elif r<0.35:
            t=random.choice("htmyojaslxni")
            s.emit(t+("n" if t in "aslxni" and random.random()<0.3 else "")+s.hexs(random.randrange(0,20))+"_")
        elif r<0.42: s.emit("b"+random.choice(["0","1","","2","00001"])+"_")
        elif r<0.5: s.emit("c"+random.choice(["76","22","27","a","5c","0","2202","d800","110000","301","7f","a0","200b","e000","1f600"])+"_")
        elif r<0.58:
            bs=random.choice(["616263","27","22","090a","e28882c3bc","ff","c0af","5c","00","cc81","e2808b","f09f9880","ed"])
            s.emit(random.choice(["e","Re"])+bs+"_")
        elif r<0.62: s.emit("p")
        elif r<0.7: s.emit(random.choice(["R","Q"])); s.const()
        elif r<0.8:
            s.emit(random.choice("AT"))
            for _ in range(random.randrange(0,4)): s.const()
            s.emit("E")
        else:
            s.emit("V"); s.path()
            k=random.choice("UTS")
            s.emit(k)
            if k=="T":
                for _ in range(random.randrange(0,3)): s.const()
                s.emit("E")
            elif k=="S":
                for _ in range(random.randrange(0,3)): s.emit(s.dis()+s.ident()); s.const()
                s.emit("E")
        s.depth-=1
for _ in range(N):
    g=G(); g.path()
    if random.random()<0.2: g.emit("C"+g.dis()+g.ident())
    sym=random.choice(["_R","R","__R","_R","_R"])+g.out
    if random.random()<0.1: sym+=random.choice([".llvm.ABC123",".0.0",".exit.i",".llvm.xyz","x"," .a"])
    if random.random()<0.25:
        l=list(sym); i=random.randrange(len(l))
        op=random.randrange(4)
        if op==0: l[i]=random.choice(D+"_")
        elif op==1: del l[i]
        elif op==2: l.insert(i, random.choice(D+"_"))
        else: l=l[:i]
        sym="".join(l)
    print(sym)
