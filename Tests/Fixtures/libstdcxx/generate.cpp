// Generates selection-reference.txt: g++ -O1 -o gen generate.cpp && ./gen > selection-reference.txt
// Each trial: 'n b1 b2 k', the keys, then the sorted indices std::sort (ascending) puts in [b1, b2),
// std::nth_element (descending, nth = k-1) and std::partial_sort (descending) put in [0, k).
#include <algorithm>
#include <cstdio>
#include <cstdint>
#include <vector>
#include <utility>
int main() {
  uint64_t s = 12345;
  auto rnd = [&]() { s = s * 6364136223846793005ULL + 1442695040888963407ULL; return (uint32_t)(s >> 33); };
  for (int trial = 0; trial < 83; trial++) {
    int n = trial < 80 ? 1 + rnd() % 700 : 4000 + rnd() % 2000;
    int distinct = 1 + rnd() % 20;
    std::vector<float> v(n);
    for (int i = 0; i < n; i++) v[i] = (float)(rnd() % distinct) * 0.25f;
    int b1 = rnd() % (n + 1), b2 = rnd() % (n + 1); if (b1 > b2) std::swap(b1, b2);
    int k = 1 + rnd() % n;
    typedef std::pair<float, int64_t> P;
    std::vector<P> a(n); for (int i = 0; i < n; i++) a[i] = P(v[i], i);
    std::vector<P> x = a;
    std::sort(x.begin(), x.end(), [](const P& p, const P& q) { return p.first < q.first; });
    std::vector<P> y = a;
    std::nth_element(y.begin(), y.begin() + k - 1, y.end(), [](const P& p, const P& q) { return p.first > q.first; });
    std::vector<P> z = a;
    std::partial_sort(z.begin(), z.begin() + k, z.end(), [](const P& p, const P& q) { return p.first > q.first; });
    printf("%d %d %d %d\n", n, b1, b2, k);
    for (int i = 0; i < n; i++) printf("%g ", v[i]); printf("\n");
    std::vector<int64_t> r;
    for (int i = b1; i < b2; i++) r.push_back(x[i].second); std::sort(r.begin(), r.end());
    for (auto i : r) printf("%ld ", (long)i); printf("\n"); r.clear();
    for (int i = 0; i < k; i++) r.push_back(y[i].second); std::sort(r.begin(), r.end());
    for (auto i : r) printf("%ld ", (long)i); printf("\n"); r.clear();
    for (int i = 0; i < k; i++) r.push_back(z[i].second); std::sort(r.begin(), r.end());
    for (auto i : r) printf("%ld ", (long)i); printf("\n");
  }
}
