use std::collections::HashMap;
use std::fmt::Debug;
pub trait Shape { fn area(&self) -> f64; fn name(&self) -> String { "shape".into() } }
pub struct Circle<T> { r: T }
impl Shape for Circle<f64> { fn area(&self) -> f64 { 3.14 * self.r * self.r } }
pub struct Arr<const N: usize>([u8; N]);
impl<const N: usize> Arr<N> { #[inline(never)] pub fn len(&self) -> usize { N + self.0.len() } }
#[inline(never)] pub fn generic<T: Debug + Clone>(x: T) -> String { format!("{:?}", x.clone()) }
#[inline(never)] pub fn with_closure(v: Vec<i32>) -> i32 { v.iter().map(|x| x * 2).filter(|x| *x > 3).sum() }
#[inline(never)] pub fn dyn_call(f: &dyn Fn(&str) -> usize) -> usize { f("hello") }
#[inline(never)] pub fn fnptr(f: fn(u8, &mut [u16]) -> Option<i64>) -> usize { f as usize }
#[inline(never)] pub unsafe extern "C" fn cabi(x: *const u8) -> u8 { *x }
pub mod ünïcödé { #[inline(never)] pub fn häh() -> u32 { 7 } }
#[inline(never)] pub fn tuple_ret(a: (u8, char, &str)) -> (bool, [i128; 2]) { (a.0 > 1, [1, 2]) }
#[inline(never)] pub fn hrtb<F: for<'a> Fn(&'a u8) -> &'a u8>(f: F) -> u8 { *f(&3) }
fn main() {
    let c = Circle { r: 2.0 };
    let s: Box<dyn Shape> = Box::new(c);
    let mut m: HashMap<String, Vec<(u32, &str)>> = HashMap::new();
    m.insert("a".into(), vec![(1, "x")]);
    println!("{} {} {:?}", s.area(), s.name(), m);
    println!("{}", generic(vec![Some(1u8)]));
    println!("{}", generic((1i64, 'c')));
    println!("{}", with_closure(vec![1, 2, 3]));
    println!("{}", dyn_call(&|s| s.len()));
    println!("{}", fnptr(|_, _| None));
    println!("{}", unsafe { cabi(&5) });
    println!("{}", ünïcödé::häh());
    println!("{:?}", tuple_ret((1, 'x', "y")));
    println!("{}", hrtb(|x| x));
    println!("{}", Arr::<3>([0; 3]).len());
    let r = std::panic::catch_unwind(|| { let v: Vec<u8> = Vec::new(); v[0] });
    println!("{:?}", r.is_err());
}
