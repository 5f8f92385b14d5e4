// Forecasting models behind joule::forecast::Model.
//
// Each model is a "core" (fit, refilter with fixed parameters, point
// forecast, optional analytic h-step standard deviation); one wrapper turns
// any core into a Model with gap handling, intervals and clipping.
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string>
#include <thread>

#include "detail.hpp"
#include "joule/forecast/forecast.hpp"

namespace joule::forecast {

Result<std::span<const double>> Forecast::quantile(double level) const {
  for (std::size_t j = 0; j < levels.size(); ++j)
    if (std::fabs(levels[j] - level) < 1e-9) return std::span<const double>(quantiles[j]);
  return fail(Errc::not_found, "no quantile path at that level");
}

namespace {

using detail::kNaN;

// Training data as a core sees it: values (no NaN), the time grid, and optional features.
struct Data {
  std::span<const double> y;
  std::int64_t start_s = 0;
  std::int64_t step_s = 1;
  const Features* x = nullptr;  // rows aligned with y (may be longer: extra rows ignored)
};

class Core {
 public:
  virtual ~Core() = default;
  virtual Status fit(const Data& d) = 0;
  // Same parameters, states re-run on new data (cheap calibration).
  virtual Status refilter(const Data& d) { return fit(d); }
  // Point forecast of out.size() steps; `future` rows start at the first forecast step.
  virtual Status forecast(std::span<double> out, const Features* future, std::size_t future_row) const = 0;
  // Analytic h-step standard deviations; false when the model has none.
  virtual bool sd(std::span<double> /*out*/) const { return false; }
  virtual std::string name() const = 0;
  virtual std::unique_ptr<Core> clone() const = 0;
  virtual bool uses_features() const { return false; }
};

// ------------------------------------------------------------ seasonal naive
class SnaiveCore final : public Core {
 public:
  explicit SnaiveCore(std::size_t period) : period_(std::max<std::size_t>(period, 1)) {}
  Status fit(const Data& d) override {
    y_.assign(d.y.begin(), d.y.end());
    m_ = std::min(period_, y_.size());
    // Residual sd of y_t - y_{t-m} (as R forecast::snaive), for the analytic intervals.
    double s = 0.0;
    std::size_t c = 0;
    for (std::size_t t = m_; t < y_.size(); ++t) {
      const double e = y_[t] - y_[t - m_];
      s += e * e;
      ++c;
    }
    sigma_ = c ? std::sqrt(s / static_cast<double>(c)) : 0.0;
    return {};
  }
  Status forecast(std::span<double> out, const Features*, std::size_t) const override {
    const std::size_t n = y_.size();
    for (std::size_t h = 0; h < out.size(); ++h) out[h] = y_[n - m_ + (h % m_)];
    return {};
  }
  bool sd(std::span<double> out) const override {
    for (std::size_t h = 0; h < out.size(); ++h) out[h] = sigma_ * std::sqrt(static_cast<double>(h / m_ + 1));
    return true;
  }
  std::string name() const override { return "snaive(" + std::to_string(m_) + ")"; }
  std::unique_ptr<Core> clone() const override { return std::make_unique<SnaiveCore>(*this); }

 private:
  std::size_t period_, m_ = 1;
  std::vector<double> y_;
  double sigma_ = 0.0;
};

// ------------------------------------------------------------ ETS
// Hyndman, Koehler, Ord & Snyder (2008), Forecasting with Exponential
// Smoothing (HKOS): ch. 2 (state equations, Table 2.3), ch. 5 (likelihood),
// ch. 6 (h-step variances). Error additive or multiplicative; trend none,
// additive or damped; season none, additive or multiplicative. Written with
// e_t = y_t - mu_t, the point recursions of an (M,*,*) model equal those of
// the (A,*,*) model with the same components (HKOS Table 2.3): only the
// likelihood and the variances differ.
enum class Trend { none, additive, damped };
enum class Comp { none, additive, multiplicative };

struct EtsForm {
  Comp error = Comp::additive;
  Trend trend = Trend::none;
  Comp season = Comp::none;
};

class EtsCore final : public Core {
 public:
  EtsCore(EtsForm f, std::size_t m) : f_(f), m_(f.season == Comp::none ? 0 : m) {}
  Status fit(const Data& d) override {
    y_.assign(d.y.begin(), d.y.end());
    if (m_ > 0 && y_.size() < 2 * m_ + 2) {
      m_ = 0;
      f_.season = Comp::none;
    }
    init_states();
    const bool tr = f_.trend != Trend::none, dp = f_.trend == Trend::damped, se = m_ > 0;
    std::vector<double> x0{detail::logit(0.3)};
    if (tr) x0.push_back(detail::logit(0.05));
    if (se) x0.push_back(detail::logit(0.05));
    if (dp) x0.push_back(detail::logit((0.95 - 0.8) / 0.18));
    auto unpack = [&](const std::vector<double>& x) {
      std::size_t i = 0;
      alpha_ = 0.0001 + 0.9998 * detail::logistic(x[i++]);
      beta_ = tr ? alpha_ * detail::logistic(x[i++]) : 0.0;
      gamma_ = se ? (1.0 - alpha_) * detail::logistic(x[i++]) : 0.0;
      phi_ = dp ? 0.8 + 0.18 * detail::logistic(x[i++]) : 1.0;
    };
    auto obj = [&](const std::vector<double>& x) {
      unpack(x);
      return objective(run(false));
    };
    auto best = detail::nelder_mead(obj, x0, 1.0, 300);
    unpack(best);
    const Pass p = run(true);
    const double n = static_cast<double>(y_.size());
    const double k = 1.0 + (tr ? 2 : 1) + (se ? 1 + static_cast<double>(m_) : 0) + (dp ? 1 : 0) + 1;
    sigma2_ = p.sse / n;
    // Gaussian log-likelihood of y (HKOS eq. 5.3): for multiplicative errors
    // the Jacobian adds -sum log|mu_t|.
    const double ll = -0.5 * n * (std::log(2 * M_PI * std::max(sigma2_, 1e-300)) + 1.0) - p.sum_log_mu;
    aicc_ = p.ok ? -2 * ll + 2 * k + (n - k - 1 > 0 ? 2 * k * (k + 1) / (n - k - 1) : 1e9)
                 : std::numeric_limits<double>::infinity();
    return {};
  }
  Status refilter(const Data& d) override {
    y_.assign(d.y.begin(), d.y.end());
    init_states();
    sigma2_ = run(true).sse / static_cast<double>(std::max<std::size_t>(y_.size(), 1));
    return {};
  }
  Status forecast(std::span<double> out, const Features*, std::size_t) const override {
    double damp = 0.0, ph = 1.0;
    for (std::size_t h = 0; h < out.size(); ++h) {
      if (f_.trend != Trend::none) {
        ph *= (f_.trend == Trend::damped ? phi_ : 1.0);
        damp += (f_.trend == Trend::damped ? ph : 1.0);
      }
      double v = l_ + damp * b_;
      if (m_ > 0) v = f_.season == Comp::multiplicative ? v * s_[(pos_ + h) % m_] : v + s_[(pos_ + h) % m_];
      out[h] = v;
    }
    return {};
  }
  bool sd(std::span<double> out) const override {
    if (f_.season == Comp::multiplicative) return simulated_sd(out);
    // c_j = alpha + beta phi_j + gamma [j mod m == 0] (HKOS Table 6.1).
    std::vector<double> c(out.size(), 0.0);
    double phij = 0.0, ph = 1.0;
    for (std::size_t j = 1; j < out.size(); ++j) {
      ph *= (f_.trend == Trend::damped ? phi_ : 1.0);
      phij += (f_.trend == Trend::damped ? ph : 1.0);
      c[j] = alpha_ + (f_.trend != Trend::none ? beta_ * phij : 0.0) + (m_ > 0 && j % m_ == 0 ? gamma_ : 0.0);
    }
    if (f_.error == Comp::additive) {
      // Class 1 (HKOS eq. 6.1): v_h = sigma^2 (1 + sum_{j<h} c_j^2).
      double acc = 0.0;
      for (std::size_t h = 0; h < out.size(); ++h) {
        out[h] = std::sqrt(sigma2_ * (1.0 + acc));
        if (h + 1 < out.size()) acc += c[h + 1] * c[h + 1];
      }
      return true;
    }
    // Class 2 (HKOS section 6.3): theta_1 = mu_1^2, theta_h = mu_h^2 +
    // sigma^2 sum_{j=1}^{h-1} c_j^2 theta_{h-j}; v_h = (1 + sigma^2) theta_h - mu_h^2.
    std::vector<double> mu(out.size()), th(out.size());
    (void)forecast(mu, nullptr, 0);
    for (std::size_t h = 0; h < out.size(); ++h) {
      double s = 0.0;
      for (std::size_t j = 1; j <= h; ++j) s += c[j] * c[j] * th[h - j];
      th[h] = mu[h] * mu[h] + sigma2_ * s;
      out[h] = std::sqrt(std::max((1.0 + sigma2_) * th[h] - mu[h] * mu[h], 0.0));
    }
    return true;
  }
  std::string name() const override {
    auto letter = [](Comp c) { return c == Comp::none ? "N" : c == Comp::additive ? "A" : "M"; };
    std::string t = f_.trend == Trend::none ? "N" : f_.trend == Trend::additive ? "A" : "Ad";
    return std::string("ets(") + letter(f_.error) + "," + t + "," + letter(m_ > 0 ? f_.season : Comp::none) + ")";
  }
  std::unique_ptr<Core> clone() const override { return std::make_unique<EtsCore>(*this); }
  double aicc() const { return aicc_; }

 private:
  struct Pass {
    double sse = 0.0;         // sum of squared errors (relative errors for a multiplicative error)
    double sum_log_mu = 0.0;  // sum log|mu_t| (multiplicative error only)
    bool ok = true;
  };
  // The criterion minimised: SSE for additive errors; n log(sum eps^2) +
  // 2 sum log|mu_t| for multiplicative ones (HKOS section 5.2, as R's ets).
  double objective(const Pass& p) const {
    if (!p.ok) return 1e300;
    if (f_.error == Comp::additive) return p.sse;
    const double n = static_cast<double>(y_.size());
    return n * std::log(std::max(p.sse, 1e-300)) + 2.0 * p.sum_log_mu;
  }
  void init_states() {
    const std::size_t n = y_.size();
    const std::size_t w = m_ > 0 ? m_ : std::min<std::size_t>(n, 10);
    double mean1 = 0.0;
    for (std::size_t i = 0; i < w; ++i) mean1 += y_[i];
    mean1 /= static_cast<double>(w);
    l0_ = mean1;
    b0_ = 0.0;
    if (f_.trend != Trend::none && n >= 2 * w) {
      double mean2 = 0.0;
      for (std::size_t i = w; i < 2 * w; ++i) mean2 += y_[i];
      mean2 /= static_cast<double>(w);
      b0_ = (mean2 - mean1) / static_cast<double>(w);
    }
    s0_.assign(m_, 0.0);
    const bool ms = f_.season == Comp::multiplicative;
    for (std::size_t i = 0; i < m_; ++i) s0_[i] = ms ? (mean1 != 0.0 ? y_[i] / mean1 : 1.0) : y_[i] - mean1;
  }
  // One-step mean and state update (HKOS Table 2.3 written with e = y - mu).
  double mu_of(double l, double b, double st) const {
    const double L = l + (f_.trend == Trend::damped ? phi_ : 1.0) * b;
    return m_ == 0 ? L : f_.season == Comp::multiplicative ? L * st : L + st;
  }
  void update(double& l, double& b, double& st, double e) const {
    const double ph = f_.trend == Trend::damped ? phi_ : 1.0;
    const double L = l + ph * b;
    if (m_ > 0 && f_.season == Comp::multiplicative) {
      l = L + alpha_ * e / st;
      b = ph * b + beta_ * e / st;
      st = st + gamma_ * e / L;
    } else {
      l = L + alpha_ * e;
      b = ph * b + beta_ * e;
      if (m_ > 0) st = st + gamma_ * e;
    }
  }
  // Runs the filter over y_.
  Pass run(bool keep) {
    double l = l0_, b = b0_;
    std::vector<double> s = s0_;
    Pass p;
    const bool me = f_.error == Comp::multiplicative;
    const std::size_t n = y_.size();
    double dummy = 0.0;
    for (std::size_t t = 0; t < n; ++t) {
      double& st = m_ > 0 ? s[t % m_] : dummy;
      const double f = mu_of(l, b, st);
      const double e = y_[t] - f;
      if (me) {
        if (!(f > 0.0)) {
          p.ok = false;
          break;
        }
        p.sse += (e / f) * (e / f);
        p.sum_log_mu += std::log(f);
      } else {
        p.sse += e * e;
      }
      update(l, b, st, e);
    }
    if (!std::isfinite(p.sse) || !std::isfinite(p.sum_log_mu)) p.ok = false;
    if (!p.ok) p.sse = 1e300;
    if (keep) {
      l_ = l;
      b_ = b;
      s_ = s;
      pos_ = m_ > 0 ? n % m_ : 0;
    }
    return p;
  }
  // Class 3 (multiplicative seasonality) has no closed form (HKOS section
  // 6.5): the h-step standard deviation of 4000 simulated sample paths with
  // Gaussian errors of the fitted variance (R's ets simulates likewise). A
  // fixed seed keeps forecasts reproducible.
  bool simulated_sd(std::span<double> out) const {
    const std::size_t H = out.size(), N = 4000;
    std::vector<double> s1(H, 0.0), s2(H, 0.0), s(s_.size());
    std::uint64_t rng = 0x9E3779B97F4A7C15ull;
    auto uniform = [&rng] {
      rng ^= rng << 13;
      rng ^= rng >> 7;
      rng ^= rng << 17;
      return (static_cast<double>(rng >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    };
    const double sig = std::sqrt(std::max(sigma2_, 0.0));
    const bool me = f_.error == Comp::multiplicative;
    for (std::size_t i = 0; i < N; ++i) {
      double l = l_, b = b_;
      std::copy(s_.begin(), s_.end(), s.begin());
      for (std::size_t h = 0; h < H; ++h) {
        double& st = s[(pos_ + h) % m_];
        const double f = mu_of(l, b, st);
        const double eps = sig * detail::normal_quantile(uniform());
        const double y = me ? f * (1.0 + eps) : f + eps;
        s1[h] += y;
        s2[h] += y * y;
        update(l, b, st, y - f);
      }
    }
    for (std::size_t h = 0; h < H; ++h) {
      const double mean = s1[h] / N;
      out[h] = std::sqrt(std::max(s2[h] / N - mean * mean, 0.0));
    }
    return true;
  }
  EtsForm f_;
  std::size_t m_;
  std::vector<double> y_, s0_, s_;
  double l0_ = 0, b0_ = 0, l_ = 0, b_ = 0;
  double alpha_ = 0.3, beta_ = 0, gamma_ = 0, phi_ = 1;
  double sigma2_ = 0, aicc_ = 0;
  std::size_t pos_ = 0;
};

// The ETS forms to try (ModelOptions::ets_form or the legacy flags).
struct EtsSpace {
  bool error[2] = {true, false};          // additive, multiplicative
  bool trend[3] = {true, true, true};     // none, additive, damped
  bool season[3] = {true, false, false};  // none, additive, multiplicative
};

// Parses R-style forms: "ZZZ", "MAdM", "M,Ad,M", "ets(M,Ad,M)" (error
// A|M|Z, trend N|A|Ad|Z, season N|A|M|Z; Z = choose by AICc).
Result<EtsSpace> parse_ets_space(std::string_view s) {
  if (s.size() > 5 && s.substr(0, 4) == "ets(" && s.back() == ')') s = s.substr(4, s.size() - 5);
  std::string t;
  for (char c : s)
    if (c != ',' && c != ' ') t.push_back(c);
  const auto bad = [] { return fail(Errc::invalid_argument, "ets form must be error A|M|Z, trend N|A|Ad|Z, season N|A|M|Z (e.g. MAdM)", Where::at_field("ets_form")); };
  if (t.size() < 3 || t.size() > 4) return bad();
  EtsSpace sp;
  const char e = t[0];
  if (e != 'A' && e != 'M' && e != 'Z') return bad();
  sp.error[0] = e != 'M';
  sp.error[1] = e != 'A';
  std::string_view tr(t.data() + 1, t.size() - 2);
  if (tr == "N") sp.trend[1] = sp.trend[2] = false;
  else if (tr == "A") sp.trend[0] = sp.trend[2] = false;
  else if (tr == "Ad") sp.trend[0] = sp.trend[1] = false;
  else if (tr != "Z") return bad();
  const char se = t.back();
  if (se != 'N' && se != 'A' && se != 'M' && se != 'Z') return bad();
  sp.season[0] = se == 'N' || se == 'Z';
  sp.season[1] = se == 'A' || se == 'Z';
  sp.season[2] = se == 'M' || se == 'Z';
  // Additive error with multiplicative seasonality has infinite forecast
  // variance (HKOS section 15.1); R's ets(restrict = TRUE) forbids it too.
  if (!sp.error[1] && sp.season[2] && !sp.season[0] && !sp.season[1])
    return fail(Errc::invalid_argument, "additive error with multiplicative seasonality is not allowed (unstable): use M error", Where::at_field("ets_form"));
  return sp;
}

EtsSpace ets_space(const ModelOptions& o) {
  if (!o.ets_form.empty()) return *parse_ets_space(o.ets_form);  // validated by make_model
  EtsSpace sp;
  if (!o.ets_allow_trend) sp.trend[1] = sp.trend[2] = false;
  if (o.ets_seasonal) {
    sp.season[0] = false;
    sp.season[1] = true;
  }
  return sp;
}

// ETS with the form chosen by AICc among the allowed ones.
class EtsAutoCore final : public Core {
 public:
  EtsAutoCore(EtsSpace space, std::size_t m) : space_(space), m_(m) {}
  EtsAutoCore(bool allow_trend, std::size_t m) : m_(m) {
    if (!allow_trend) space_.trend[1] = space_.trend[2] = false;
    if (m > 0) {
      space_.season[0] = false;
      space_.season[1] = true;
    }
  }
  Status fit(const Data& d) override {
    bool positive = !d.y.empty();
    for (double v : d.y) positive = positive && v > 0.0;
    static constexpr Comp kComp[3] = {Comp::none, Comp::additive, Comp::multiplicative};
    static constexpr Trend kTrend[3] = {Trend::none, Trend::additive, Trend::damped};
    double best = std::numeric_limits<double>::infinity();
    bool tried = false;
    for (int e = 0; e < 2; ++e) {
      if (!space_.error[e] || (e == 1 && !positive)) continue;
      for (int t = 0; t < 3; ++t) {
        if (!space_.trend[t]) continue;
        for (int s = 0; s < 3; ++s) {
          if (!space_.season[s] || (s > 0 && m_ == 0)) continue;
          if (s == 2 && (e == 0 || !positive)) continue;  // see parse_ets_space
          EtsCore c(EtsForm{kComp[e + 1], kTrend[t], kComp[s]}, m_);
          JOULE_RETURN_IF_ERROR(c.fit(d));
          tried = true;
          if (c.aicc() < best) {
            best = c.aicc();
            best_ = std::make_unique<EtsCore>(c);
          }
        }
      }
    }
    if (!tried)
      return fail(Errc::invalid_argument, "multiplicative ETS needs strictly positive data (or no seasonal period was given)", Where::at_field("ets_form"));
    if (!best_) return fail(Errc::numerical, "no ETS form could be fitted");
    return {};
  }
  Status refilter(const Data& d) override { return best_->refilter(d); }
  Status forecast(std::span<double> out, const Features* f, std::size_t r) const override {
    return best_->forecast(out, f, r);
  }
  bool sd(std::span<double> out) const override { return best_->sd(out); }
  std::string name() const override { return best_ ? best_->name() : "ets"; }
  std::unique_ptr<Core> clone() const override {
    auto c = std::make_unique<EtsAutoCore>(space_, m_);
    if (best_) c->best_ = std::make_unique<EtsCore>(*best_);
    return c;
  }

 private:
  EtsSpace space_;
  std::size_t m_;
  std::unique_ptr<EtsCore> best_;
};

// ------------------------------------------------------------ DSHW
// Taylor (2003), J. Oper. Res. Soc. 54, 799-805, eqs. (5)-(9): additive
// double-seasonal Holt-Winters with level, trend, two seasonal indices and
// an AR(1) adjustment of the one-step error, parameters minimising the SSE.
class DshwCore final : public Core {
 public:
  DshwCore(std::size_t m1, std::size_t m2) : m1_(m1), m2_(m2) {}
  Status fit(const Data& d) override {
    y_.assign(d.y.begin(), d.y.end());
    if (y_.size() < 2 * m2_ || m2_ % m1_ != 0)
      return fail(Errc::invalid_argument, "dshw needs two longer periods of data and m2 a multiple of m1");
    init();
    auto unpack = [&](const std::vector<double>& x) {
      alpha_ = detail::logistic(x[0]);
      beta_ = 0.2 * detail::logistic(x[1]);
      gamma_ = detail::logistic(x[2]);
      omega_ = detail::logistic(x[3]);
      phi_ = detail::logistic(x[4]);
    };
    auto obj = [&](const std::vector<double>& x) {
      unpack(x);
      return run(false);
    };
    auto best = detail::nelder_mead(obj, {detail::logit(0.05), detail::logit(0.01), detail::logit(0.15),
                                          detail::logit(0.3), detail::logit(0.8)},
                                    1.0, 250);
    unpack(best);
    run(true);
    return {};
  }
  Status refilter(const Data& d) override {
    y_.assign(d.y.begin(), d.y.end());
    if (y_.size() < 2 * m2_) return fail(Errc::invalid_argument, "dshw needs two longer periods of data");
    init();
    run(true);
    return {};
  }
  Status forecast(std::span<double> out, const Features*, std::size_t) const override {
    const std::size_t n = y_.size();
    double ar = e_;
    for (std::size_t h = 0; h < out.size(); ++h) {
      ar *= phi_;
      out[h] = l_ + static_cast<double>(h + 1) * b_ + d_[(n + h) % m1_] + w_[(n + h) % m2_] + ar;
    }
    return {};
  }
  // Class-1 approximation (Hyndman et al. 2008, ch. 6) ignoring the AR(1)
  // term: c_j = alpha + gamma [j mod m1 == 0] + omega [j mod m2 == 0]. Used
  // only when conformal calibration is impossible (short series).
  bool sd(std::span<double> out) const override {
    double acc = 0.0;
    for (std::size_t h = 0; h < out.size(); ++h) {
      out[h] = std::sqrt(sigma2_ * (1.0 + acc));
      const std::size_t j = h + 1;
      double c = alpha_ + beta_ * static_cast<double>(j);
      if (j % m1_ == 0) c += gamma_;
      if (j % m2_ == 0) c += omega_;
      acc += c * c;
    }
    return true;
  }
  std::string name() const override { return "dshw"; }
  std::unique_ptr<Core> clone() const override { return std::make_unique<DshwCore>(*this); }

 private:
  void init() {
    // Level: mean of the first m2; trend from the first two m2 means; daily
    // indices: mean over the days of the first m2 of the deviations; weekly
    // indices: what remains of the first m2.
    double a = 0, b = 0;
    for (std::size_t i = 0; i < m2_; ++i) a += y_[i];
    a /= static_cast<double>(m2_);
    for (std::size_t i = m2_; i < 2 * m2_; ++i) b += y_[i];
    b /= static_cast<double>(m2_);
    l0_ = a;
    b0_ = (b - a) / static_cast<double>(m2_);
    d0_.assign(m1_, 0.0);
    const std::size_t days = m2_ / m1_;
    for (std::size_t i = 0; i < m2_; ++i) d0_[i % m1_] += (y_[i] - a) / static_cast<double>(days);
    w0_.assign(m2_, 0.0);
    for (std::size_t i = 0; i < m2_; ++i) w0_[i] = y_[i] - a - d0_[i % m1_];
  }
  double run(bool keep) {
    double l = l0_, b = b0_, eprev = 0.0, sse = 0.0;
    std::vector<double> dd = d0_, ww = w0_;
    for (std::size_t t = 0; t < y_.size(); ++t) {
      const double di = dd[t % m1_], wi = ww[t % m2_];
      const double f = l + b + di + wi;
      const double e = y_[t] - f;
      const double ea = e - phi_ * eprev;  // error of the AR-adjusted forecast
      sse += ea * ea;
      const double lnew = alpha_ * (y_[t] - di - wi) + (1 - alpha_) * (l + b);
      b = beta_ * (lnew - l) + (1 - beta_) * b;
      dd[t % m1_] = gamma_ * (y_[t] - lnew - wi) + (1 - gamma_) * di;
      ww[t % m2_] = omega_ * (y_[t] - lnew - di) + (1 - omega_) * wi;
      l = lnew;
      eprev = e;
    }
    if (keep) {
      l_ = l;
      b_ = b;
      d_ = dd;
      w_ = ww;
      e_ = eprev;
      sigma2_ = y_.empty() ? 0.0 : sse / static_cast<double>(y_.size());
    }
    return std::isfinite(sse) ? sse : 1e300;
  }
  std::size_t m1_, m2_;
  std::vector<double> y_, d0_, w0_, d_, w_;
  double l0_ = 0, b0_ = 0, l_ = 0, b_ = 0, e_ = 0, sigma2_ = 0;
  double alpha_ = 0.05, beta_ = 0, gamma_ = 0.1, omega_ = 0.3, phi_ = 0.8;
};

// ------------------------------------------------------------ MSTL + remainder
// Seasonal components are forecast by repeating the last cycle of each (as
// forecast::forecast.mstl does); the seasonally adjusted series by the remainder model.
class MstlCore final : public Core {
 public:
  MstlCore(std::vector<std::size_t> periods, Remainder rem, std::size_t ar_order)
      : periods_(std::move(periods)), rem_(rem), p_(ar_order) {}
  Status fit(const Data& d) override {
    JOULE_RETURN_IF_ERROR(decompose(d.y));
    if (rem_ == Remainder::ets) {
      ets_ = std::make_unique<EtsAutoCore>(true, 0);
      JOULE_RETURN_IF_ERROR(ets_->fit(Data{sa_, 0, 1, nullptr}));
    }
    return {};
  }
  Status refilter(const Data& d) override {
    JOULE_RETURN_IF_ERROR(decompose(d.y));
    if (ets_) JOULE_RETURN_IF_ERROR(ets_->refilter(Data{sa_, 0, 1, nullptr}));
    return {};
  }
  Status forecast(std::span<double> out, const Features*, std::size_t) const override {
    forecast_with(rem_, out);
    return {};
  }
  // Point forecast with any remainder model (shares one decomposition; used by automatic).
  void forecast_with(Remainder rem, std::span<double> out) const {
    const std::size_t H = out.size(), n = sa_.size();
    std::vector<double> a(H), b(H);
    switch (rem) {
      case Remainder::naive: std::fill(a.begin(), a.end(), sa_.back()); break;
      case Remainder::ar: detail::ar_forecast(ar_, sa_, a); break;
      case Remainder::ets:
        if (ets_) (void)ets_->forecast(a, nullptr, 0);
        else std::fill(a.begin(), a.end(), sa_.back());
        break;
      case Remainder::combined:
        detail::ar_forecast(ar_, sa_, b);
        for (std::size_t h = 0; h < H; ++h) a[h] = 0.5 * (sa_.back() + b[h]);
        break;
    }
    for (std::size_t h = 0; h < H; ++h) {
      double s = 0.0;
      for (std::size_t i = 0; i < kept_.size(); ++i) {
        const std::size_t m = kept_[i];
        s += seasonal_[i][n - m + (h % m)];
      }
      out[h] = a[h] + s;
    }
  }
  bool sd(std::span<double> out) const override {
    // Seasonal parts are treated as known; the remainder model's variance.
    if (rem_ == Remainder::ets && ets_) return ets_->sd(out);
    if (rem_ == Remainder::ar) {
      auto psi = detail::ar_psi(ar_, out.size());
      double acc = 0.0;
      for (std::size_t h = 0; h < out.size(); ++h) {
        acc += psi[h] * psi[h];
        out[h] = std::sqrt(ar_.sigma2 * acc);
      }
      return true;
    }
    if (rem_ == Remainder::naive) {
      for (std::size_t h = 0; h < out.size(); ++h) out[h] = std::sqrt(rw_sigma2_ * static_cast<double>(h + 1));
      return true;
    }
    if (rem_ == Remainder::combined) {
      // The sd of an average is at most the average of the sds: a conservative bound.
      auto psi = detail::ar_psi(ar_, out.size());
      double acc = 0.0;
      for (std::size_t h = 0; h < out.size(); ++h) {
        acc += psi[h] * psi[h];
        out[h] = 0.5 * (std::sqrt(ar_.sigma2 * acc) + std::sqrt(rw_sigma2_ * static_cast<double>(h + 1)));
      }
      return true;
    }
    return false;
  }
  std::string name() const override {
    std::string r = rem_ == Remainder::naive ? "naive" : rem_ == Remainder::ar ? "ar(" + std::to_string(p_) + ")"
                    : rem_ == Remainder::ets ? (ets_ ? ets_->name() : "ets")
                                             : "naive+ar(" + std::to_string(p_) + ")";
    return "mstl+" + r;
  }
  std::unique_ptr<Core> clone() const override {
    auto c = std::make_unique<MstlCore>(periods_, rem_, p_);
    c->seasonal_ = seasonal_;
    c->kept_ = kept_;
    c->sa_ = sa_;
    c->ar_ = ar_;
    c->rw_sigma2_ = rw_sigma2_;
    if (ets_) c->ets_.reset(static_cast<EtsAutoCore*>(ets_->clone().release()));
    return c;
  }
  void set_remainder(Remainder r) { rem_ = r; }
  // MSTL iterations and STL inner passes (R's 2 and 2 unless set before fit).
  // `cache`: loess kernels shared with other decompositions of the same fit (may be null).
  void set_decomposition(std::size_t iterate, std::size_t inner, detail::KernelCache* cache) {
    iterate_ = iterate;
    inner_ = inner;
    cache_ = cache;
  }
  // One-period-ahead errors of the remainder model on the seasonally
  // adjusted series over its last `len` steps: sa[t] minus the forecast made
  // at n - len from sa[0 .. n - len) (parameters of the full fit). This is
  // yesterday's forecast error with today's seasonal estimate, the input of
  // the error feedback of `automatic`.
  void last_period_errors(Remainder rem, std::span<double> out) const {
    const std::size_t L = out.size(), n = sa_.size();
    if (L == 0) return;
    if (n <= L + 1) {
      std::fill(out.begin(), out.end(), 0.0);
      return;
    }
    const std::span<const double> head(sa_.data(), n - L);
    std::vector<double> a(L);
    switch (rem) {
      case Remainder::naive:
      case Remainder::ets: std::fill(a.begin(), a.end(), head.back()); break;
      case Remainder::ar: detail::ar_forecast(ar_, head, a); break;
      case Remainder::combined:
        detail::ar_forecast(ar_, head, a);
        for (double& v : a) v = 0.5 * (v + head.back());
        break;
    }
    for (std::size_t h = 0; h < L; ++h) out[h] = sa_[n - L + h] - a[h];
  }

 private:
  Status decompose(std::span<const double> y) {
    JOULE_TRY(auto dc, detail::mstl_inner(y, periods_, iterate_, inner_, cache_));
    kept_.clear();
    for (std::size_t p : periods_)
      if (p >= 2 && 2 * p < y.size()) kept_.push_back(p);
    std::sort(kept_.begin(), kept_.end());
    seasonal_ = std::move(dc.seasonal);
    sa_.assign(y.begin(), y.end());
    for (const auto& s : seasonal_)
      for (std::size_t t = 0; t < sa_.size(); ++t) sa_[t] -= s[t];
    ar_ = detail::ar_yule_walker(sa_, p_);
    double s2 = 0.0;
    for (std::size_t t = 1; t < sa_.size(); ++t) s2 += (sa_[t] - sa_[t - 1]) * (sa_[t] - sa_[t - 1]);
    rw_sigma2_ = sa_.size() > 1 ? s2 / static_cast<double>(sa_.size() - 1) : 0.0;
    return {};
  }
  std::vector<std::size_t> periods_, kept_;
  std::size_t iterate_ = 2, inner_ = 2;
  detail::KernelCache* cache_ = nullptr;  // not owned; reset by clone
  Remainder rem_;
  std::size_t p_;
  std::vector<std::vector<double>> seasonal_;
  std::vector<double> sa_;
  detail::ArFit ar_;
  double rw_sigma2_ = 0.0;
  std::unique_ptr<EtsAutoCore> ets_;
};

// ------------------------------------------------------------ regression
// Design: intercept, Fourier terms (K harmonics per period), user features.
// Ridge: (X'X + lambda I) b = X'y on standardised columns, intercept unpenalised.
// Quantile regression (Koenker & Bassett 1978) by iteratively reweighted
// least squares on the check loss.
class RegressionCore final : public Core {
 public:
  RegressionCore(std::vector<std::size_t> periods, std::size_t k, double lambda, bool quantile)
      : periods_(std::move(periods)), k_(k), lambda_(lambda), quantile_(quantile) {}
  bool uses_features() const override { return true; }
  Status fit(const Data& d) override {
    n_ = d.y.size();
    nfeat_ = d.x ? d.x->columns.size() : 0;
    if (d.x && d.x->rows() < n_)
      return fail(Errc::invalid_argument, "regressors have fewer rows than the series", Where::at_field("x"));
    Eigen::MatrixXd X = design(d.x, 0, n_, 0);
    // Standardise (except the intercept column 0).
    mu_ = Eigen::VectorXd::Zero(X.cols());
    sd_ = Eigen::VectorXd::Ones(X.cols());
    for (Eigen::Index c = 1; c < X.cols(); ++c) {
      mu_[c] = X.col(c).mean();
      const double v = (X.col(c).array() - mu_[c]).square().mean();
      sd_[c] = v > 1e-12 ? std::sqrt(v) : 1.0;
      X.col(c) = (X.col(c).array() - mu_[c]) / sd_[c];
    }
    Eigen::Map<const Eigen::VectorXd> y(d.y.data(), static_cast<Eigen::Index>(n_));
    beta_ = solve(X, y, Eigen::VectorXd::Ones(static_cast<Eigen::Index>(n_)));
    Eigen::VectorXd r = y - X * beta_;
    sigma_ = std::sqrt(r.squaredNorm() / static_cast<double>(std::max<std::size_t>(n_ - 1, 1)));
    qbeta_.clear();
    for (double tau : quantile_ ? levels_ : std::vector<double>{}) {
      Eigen::VectorXd b = beta_;
      for (int it = 0; it < 40; ++it) {
        Eigen::VectorXd res = y - X * b;
        const double eps = 1e-6 * (1.0 + res.cwiseAbs().mean());
        Eigen::VectorXd w(res.size());
        for (Eigen::Index i = 0; i < res.size(); ++i)
          w[i] = (res[i] >= 0 ? tau : 1.0 - tau) / std::max(std::fabs(res[i]), eps);
        Eigen::VectorXd nb = solve(X, y, w);
        const double change = (nb - b).norm() / (1.0 + b.norm());
        b = nb;
        if (change < 1e-7) break;
      }
      qbeta_.push_back(b);
    }
    return {};
  }
  Status forecast(std::span<double> out, const Features* future, std::size_t row) const override {
    return predict_with(beta_, out, future, row);
  }
  Status predict_with(const Eigen::VectorXd& b, std::span<double> out, const Features* future,
                      std::size_t row) const {
    if (nfeat_ > 0 && (!future || future->columns.size() != nfeat_ || future->rows() < row + out.size()))
      return fail(Errc::invalid_argument, "future regressors missing or too short", Where::at_field("future"));
    Eigen::MatrixXd X = design(future, n_, out.size(), row);
    for (Eigen::Index c = 1; c < X.cols(); ++c) X.col(c) = (X.col(c).array() - mu_[c]) / sd_[c];
    Eigen::VectorXd f = X * b;
    for (std::size_t h = 0; h < out.size(); ++h) out[h] = f[static_cast<Eigen::Index>(h)];
    return {};
  }
  bool sd(std::span<double> out) const override {
    std::fill(out.begin(), out.end(), sigma_);
    return true;
  }
  std::string name() const override { return quantile_ ? "quantile_regression" : "ridge"; }
  std::unique_ptr<Core> clone() const override { return std::make_unique<RegressionCore>(*this); }
  void set_levels(std::vector<double> l) { levels_ = std::move(l); }
  const std::vector<double>& levels() const { return levels_; }
  const std::vector<Eigen::VectorXd>& qbeta() const { return qbeta_; }
  std::int64_t step_s = 1, start_s = 0;

 private:
  // Rows for time indices t0 + i (t0 counts from the training start); features from `x` row r0 + i.
  Eigen::MatrixXd design(const Features* x, std::size_t t0, std::size_t rows, std::size_t r0) const {
    std::size_t cols = 1 + nfeat_;
    for (std::size_t p : periods_) cols += 2 * std::min(k_, p / 2);
    Eigen::MatrixXd X(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    for (std::size_t i = 0; i < rows; ++i) {
      const auto r = static_cast<Eigen::Index>(i);
      Eigen::Index c = 0;
      X(r, c++) = 1.0;
      const double t = static_cast<double>(t0 + i);
      for (std::size_t p : periods_)
        for (std::size_t k = 1; k <= std::min(k_, p / 2); ++k) {
          const double a = 2.0 * M_PI * static_cast<double>(k) * t / static_cast<double>(p);
          X(r, c++) = std::sin(a);
          X(r, c++) = std::cos(a);
        }
      for (std::size_t f = 0; f < nfeat_; ++f) X(r, c++) = x->columns[f][r0 + i];
    }
    return X;
  }
  Eigen::VectorXd solve(const Eigen::MatrixXd& X, Eigen::Map<const Eigen::VectorXd> y, const Eigen::VectorXd& w) const {
    Eigen::MatrixXd A = X.transpose() * w.asDiagonal() * X;
    for (Eigen::Index c = 1; c < A.cols(); ++c) A(c, c) += lambda_;
    A(0, 0) += 1e-9;
    return A.ldlt().solve(X.transpose() * w.asDiagonal() * y);
  }
  std::vector<std::size_t> periods_;
  std::size_t k_;
  double lambda_;
  bool quantile_;
  std::size_t n_ = 0, nfeat_ = 0;
  Eigen::VectorXd mu_, sd_, beta_;
  std::vector<double> levels_;
  std::vector<Eigen::VectorXd> qbeta_;
  double sigma_ = 0.0;
};

// ------------------------------------------------------------ the Model wrapper
struct Prepared {
  std::vector<double> y;
  std::int64_t start_s = 0;
  std::size_t offset = 0;  // index of y[0] in the original series
};

Result<Prepared> prepare(const TimeSeries& ts, std::size_t max_gap) {
  auto v = ts.values();
  std::size_t a = 0, b = v.size();
  while (a < b && std::isnan(v[a])) ++a;
  while (b > a && std::isnan(v[b - 1])) --b;
  if (b - a < 3) return fail(Errc::invalid_argument, "series has fewer than 3 values");
  JOULE_TRY(auto part, TimeSeries::make(ts.time_at(a), ts.step(), std::vector<double>(v.begin() + a, v.begin() + b)));
  TimeSeries filled = part.interpolate_gaps(max_gap);
  Prepared p;
  p.y.assign(filled.values().begin(), filled.values().end());
  for (std::size_t i = 0; i < p.y.size(); ++i) {
    if (std::isnan(p.y[i])) return fail(Errc::invalid_argument, "gap longer than max_gap", Where::at_index(a + i));
    if (!std::isfinite(p.y[i])) return fail(Errc::invalid_argument, "infinite value", Where::at_index(a + i));
  }
  p.start_s = filled.start();
  p.offset = a;
  return p;
}

std::vector<std::size_t> default_periods(std::int64_t step_s) {
  if (step_s > 0 && step_s <= 86400 && 86400 % step_s == 0) {
    const auto d = static_cast<std::size_t>(86400 / step_s);
    if (d >= 2) return {d, 7 * d};
    return {7};
  }
  return {};
}

// Empirical h-step error quantiles: errors[k][h] for origin k, lead h.
struct Calibration {
  std::size_t horizon = 0;
  std::vector<std::vector<double>> errors;
};

// Offsets per lead from the calibration errors (conformal by lead time).
// Each lead's location and scale are the mean and sd of the errors pooled
// over a window of neighbouring leads (width growing with the lead: prefix
// sums, O(K H)), so the intervals widen as the errors do. With 20 or more
// origins the offset is the empirical quantile of the pooled window. With
// fewer, the empirical quantile of a few strongly correlated origins is too
// narrow, so the offset is mean + Student-t(K - 1) quantile x sd x
// sqrt(1 + 1/K) (the prediction interval of one new draw from K), times
// the shape factor of the lead's block (below).
// quantile_sorted (R type 7) by selection instead of a full sort; reorders v.
double select_quantile(std::vector<double>& v, double p) {
  if (v.empty()) return detail::kNaN;
  const double pos = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
  const double a = v[lo];
  if (lo + 1 >= v.size()) return a;
  const double b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo + 1), v.end());
  return a + (pos - static_cast<double>(lo)) * (b - a);
}

std::vector<std::vector<double>> conformal_offsets(const Calibration& cal, std::span<const double> levels,
                                                   std::size_t horizon) {
  std::vector<std::vector<double>> outs(levels.size(), std::vector<double>(horizon, 0.0));
  const std::size_t H = cal.horizon;
  const std::size_t K = cal.errors.size();
  if (H == 0 || K == 0) return outs;
  // Per-lead sums over origins, then prefix sums over leads.
  std::vector<double> c(H + 1, 0.0), s1(H + 1, 0.0), s2(H + 1, 0.0);
  for (std::size_t j = 0; j < H; ++j) {
    double a = 0.0, b = 0.0, m = 0.0;
    for (const auto& e : cal.errors)
      if (j < e.size() && std::isfinite(e[j])) {
        a += e[j];
        b += e[j] * e[j];
        m += 1.0;
      }
    c[j + 1] = c[j] + m;
    s1[j + 1] = s1[j] + a;
    s2[j + 1] = s2[j] + b;
  }
  auto window = [&](std::size_t hh, std::size_t& lo, std::size_t& hi) {
    const std::size_t w = std::max<std::size_t>(2, hh / 6);
    lo = hh >= w ? hh - w : 0;
    hi = std::min(H - 1, hh + w);
  };
  // Pooled mean and sd of every lead, computed once for all levels.
  std::vector<double> mean(H), sdv(H);
  for (std::size_t hh = 0; hh < H; ++hh) {
    std::size_t lo, hi;
    window(hh, lo, hi);
    const double cnt = c[hi + 1] - c[lo], a = s1[hi + 1] - s1[lo], b = s2[hi + 1] - s2[lo];
    mean[hh] = cnt > 0 ? a / cnt : 0.0;
    sdv[hh] = cnt > 1 ? std::sqrt(std::max(0.0, (b - cnt * mean[hh] * mean[hh]) / (cnt - 1.0))) : 0.0;
  }
  // Below 20 origins: Student-t offsets from each lead's pooled mean and sd.
  const bool parametric = K < 20;
  const double infl = std::sqrt(1.0 + 1.0 / static_cast<double>(K));
  // Shape correction: the quantile of the errors standardised by their
  // lead's mean and sd, in blocks of leads ([0, 24), [24, 48), [48, 96),
  // ...), relative to the same quantile over all leads. Short leads have
  // heavier tails (narrower 80 %, wider 97.5 %) than the t shape assumes.
  // The standardised errors are sorted once and serve every level.
  std::vector<std::size_t> edges{0};
  std::vector<double> all;
  std::vector<std::vector<double>> blocks;
  if (parametric) {
    while (edges.back() < H) edges.push_back(std::min(H, std::max<std::size_t>(24, 2 * edges.back())));
    blocks.resize(edges.size() - 1);
    for (std::size_t b = 0; b + 1 < edges.size(); ++b)
      for (std::size_t j = edges[b]; j < edges[b + 1]; ++j) {
        if (sdv[j] <= 0.0) continue;
        for (const auto& e : cal.errors)
          if (j < e.size() && std::isfinite(e[j])) blocks[b].push_back((e[j] - mean[j]) / sdv[j]);
      }
    for (auto& b : blocks) all.insert(all.end(), b.begin(), b.end());
  }
  std::vector<double> pool;
  for (std::size_t li = 0; li < levels.size(); ++li) {
    const double level = levels[li];
    std::vector<double>& out = outs[li];
    std::vector<double> shape;
    double tq = 0.0;
    if (parametric) {
      tq = K >= 2 ? detail::t_quantile(level, static_cast<double>(K - 1)) : 0.0;
      const double qa = all.empty() ? 0.0 : select_quantile(all, level);
      shape.assign(blocks.size(), 1.0);
      for (std::size_t b = 0; b < blocks.size(); ++b) {
        if (blocks[b].size() < 20 || std::fabs(qa) < 1e-9) continue;
        shape[b] = std::clamp(select_quantile(blocks[b], level) / qa, 0.5, 2.0);
      }
    }
    for (std::size_t h = 0; h < horizon; ++h) {
      const std::size_t hh = std::min(h, H - 1);
      double q;
      if (parametric) {
        std::size_t b = 0;
        while (b + 1 < shape.size() && hh >= edges[b + 1]) ++b;
        q = mean[hh] + tq * sdv[hh] * infl * (shape.empty() ? 1.0 : shape[b]);
      } else {
        std::size_t lo, hi;
        window(hh, lo, hi);
        pool.clear();
        for (const auto& e : cal.errors)
          for (std::size_t j = lo; j <= hi; ++j)
            if (j < e.size() && std::isfinite(e[j])) pool.push_back(e[j]);
        std::sort(pool.begin(), pool.end());
        q = pool.empty() ? 0.0 : detail::quantile_sorted(pool, level);
      }
      // Beyond the calibrated horizon the spread grows like a random walk.
      if (h >= H) q *= std::sqrt(static_cast<double>(h + 1) / static_cast<double>(H));
      out[h] = std::isfinite(q) ? q : 0.0;
    }
  }
  return outs;
}

class CoreModel final : public Model {
 public:
  CoreModel(ModelOptions o, std::unique_ptr<Core> core) : opt_(std::move(o)), core_(std::move(core)) {}
  CoreModel(const CoreModel& o)
      : opt_(o.opt_), core_(o.core_ ? o.core_->clone() : nullptr), prep_(o.prep_), step_(o.step_),
        fitted_(o.fitted_), cal_(o.cal_), has_x_(o.has_x_), xtrain_(o.xtrain_) {}

  Status fit(const TimeSeries& y, const Features* x) override {
    fitted_ = false;
    const std::size_t mg = opt_.max_gap ? opt_.max_gap : (opt_.periods.empty() ? 48 : opt_.periods.front());
    JOULE_TRY(auto p, prepare(y, mg));
    prep_ = std::move(p);
    step_ = y.step();
    has_x_ = x != nullptr && !x->columns.empty();
    Features xs;
    if (has_x_) {
      if (x->rows() != y.size()) return fail(Errc::invalid_argument, "regressors must have one row per value", Where::at_field("x"));
      for (std::size_t c = 0; c < x->columns.size(); ++c) {
        xs.names.push_back(x->names.size() > c ? x->names[c] : std::string());
        xs.columns.emplace_back(x->columns[c].begin() + static_cast<std::ptrdiff_t>(prep_.offset),
                                x->columns[c].begin() + static_cast<std::ptrdiff_t>(prep_.offset + prep_.y.size()));
        for (std::size_t i = 0; i < xs.columns.back().size(); ++i)
          if (!std::isfinite(xs.columns.back()[i]))
            return fail(Errc::invalid_argument, "regressor has NaN", Where::at_index(prep_.offset + i, "x"));
      }
    }
    xtrain_ = std::move(xs);
    if (auto* rc = dynamic_cast<RegressionCore*>(core_.get())) rc->set_levels(reg_levels_);
    JOULE_RETURN_IF_ERROR(core_->fit(Data{prep_.y, prep_.start_s, step_, has_x_ ? &xtrain_ : nullptr}));
    cal_ = Calibration{};
    if (want_conformal()) calibrate();
    fitted_ = true;
    return {};
  }

  Result<Forecast> predict(std::size_t horizon, std::span<const double> levels, const Features* future) const override {
    if (!fitted_) return fail(Errc::invalid_argument, "model is not fitted");
    if (horizon == 0) return fail(Errc::invalid_argument, "horizon must be positive", Where::at_field("horizon"));
    for (std::size_t j = 0; j < levels.size(); ++j)
      if (!(levels[j] > 0.0 && levels[j] < 1.0))
        return fail(Errc::invalid_argument, "quantile levels must lie in (0, 1)", Where::at_index(j, "levels"));
    if (has_x_ && !future) return fail(Errc::invalid_argument, "model was fitted with regressors: pass future regressors");
    Forecast fc;
    fc.step_s = step_;
    fc.start_s = prep_.start_s + static_cast<std::int64_t>(prep_.y.size()) * step_;
    fc.mean.resize(horizon);
    JOULE_RETURN_IF_ERROR(core_->forecast(fc.mean, has_x_ ? future : nullptr, 0));
    std::vector<double> lv(levels.begin(), levels.end());
    std::sort(lv.begin(), lv.end());
    fc.levels = lv;
    const bool conformal = want_conformal() && cal_.errors.size() >= 2;
    std::vector<double> sd(horizon, 0.0);
    bool analytic = false;
    if (!conformal) {
      analytic = core_->sd(sd);
      if (!analytic) return fail(Errc::unsupported, "this model has no analytic intervals: use conformal");
    }
    // Quantile regression paths come from their own fits when the levels match.
    const auto* rc = dynamic_cast<const RegressionCore*>(core_.get());
    std::vector<std::vector<double>> offs;
    if (conformal) offs = conformal_offsets(cal_, lv, horizon);
    for (std::size_t li = 0; li < lv.size(); ++li) {
      const double q = lv[li];
      std::vector<double> path(horizon);
      bool done = false;
      if (rc && opt_.kind == ModelKind::quantile_regression) {
        for (std::size_t j = 0; j < rc->levels().size(); ++j)
          if (std::fabs(rc->levels()[j] - q) < 1e-9) {
            JOULE_RETURN_IF_ERROR(rc->predict_with(rc->qbeta()[j], path, future, 0));
            done = true;
          }
      }
      if (!done) {
        if (conformal) {
          const auto& off = offs[li];
          for (std::size_t h = 0; h < horizon; ++h) path[h] = fc.mean[h] + off[h];
        } else {
          const double z = detail::normal_quantile(q);
          for (std::size_t h = 0; h < horizon; ++h) path[h] = fc.mean[h] + z * sd[h];
        }
      }
      fc.quantiles.push_back(std::move(path));
    }
    // Keep the quantile paths ordered (quantile regression can cross).
    for (std::size_t h = 0; h < horizon; ++h)
      for (std::size_t j = 1; j < fc.quantiles.size(); ++j)
        fc.quantiles[j][h] = std::max(fc.quantiles[j][h], fc.quantiles[j - 1][h]);
    if (opt_.non_negative) {
      for (double& v : fc.mean) v = std::max(v, 0.0);
      for (auto& p : fc.quantiles)
        for (double& v : p) v = std::max(v, 0.0);
    }
    return fc;
  }
  std::string description() const override { return core_ ? core_->name() : "unfitted"; }
  std::unique_ptr<Model> clone() const override { return std::make_unique<CoreModel>(*this); }
  void set_regression_levels(std::vector<double> l) { reg_levels_ = std::move(l); }

 private:
  bool want_conformal() const {
    if (opt_.intervals == Intervals::conformal) return true;
    if (opt_.intervals == Intervals::analytic) return false;
    return opt_.kind == ModelKind::mstl || opt_.kind == ModelKind::dshw || opt_.kind == ModelKind::ridge;
  }
  // Split-conformal calibration: re-run the fitted model (parameters fixed)
  // from rolling origins inside the training data, one day apart.
  void calibrate() {
    const std::size_t n = prep_.y.size();
    std::size_t per = 1;  // the longest period that the data can estimate
    for (std::size_t p : opt_.periods)
      if (2 * p < n) per = std::max(per, p);
    std::size_t H = opt_.calibration_horizon ? opt_.calibration_horizon : std::max<std::size_t>(per, 1);
    const std::size_t stride = opt_.periods.empty() ? std::max<std::size_t>(1, H / 4) : opt_.periods.front();
    const std::size_t min_train = std::max<std::size_t>(2 * per + 1, 10);
    if (n < min_train + H) H = n > min_train ? (n - min_train) : 0;
    if (H < 2) return;
    cal_.horizon = H;
    for (std::size_t k = 0; k < opt_.calibration_origins; ++k) {
      if (n < H + k * stride || n - H - k * stride < min_train) break;
      const std::size_t o = n - H - k * stride;
      auto c = core_->clone();
      Features xs;
      const Features* xp = nullptr;
      if (has_x_) xp = &xtrain_;
      if (!c->refilter(Data{std::span<const double>(prep_.y.data(), o), prep_.start_s, step_, xp})) continue;
      std::vector<double> f(H);
      if (!c->forecast(f, xp, o)) continue;
      std::vector<double> e(H);
      for (std::size_t h = 0; h < H; ++h) e[h] = prep_.y[o + h] - f[h];
      cal_.errors.push_back(std::move(e));
    }
    if (cal_.errors.size() < 2) cal_ = Calibration{};  // one origin says nothing about spread
  }
  ModelOptions opt_;
  std::unique_ptr<Core> core_;
  Prepared prep_;
  std::int64_t step_ = 1;
  bool fitted_ = false;
  Calibration cal_;
  bool has_x_ = false;
  Features xtrain_;
  std::vector<double> reg_levels_{0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975};
};

// ------------------------------------------------------------ automatic
// Rolling-origin cross-validation (Tashman 2000) over the mstl remainder
// variants and the seasonal naive of the longest period; the winner's CV
// errors are its conformal calibration set.
class AutoModel final : public Model {
 public:
  explicit AutoModel(ModelOptions o) : opt_(std::move(o)) {}
  Status fit(const TimeSeries& y, const Features*) override {
    fitted_ = false;
    std::vector<std::size_t> periods = opt_.periods.empty() ? default_periods(y.step()) : opt_.periods;
    const std::size_t mg = opt_.max_gap ? opt_.max_gap : (periods.empty() ? 48 : periods.front());
    JOULE_TRY(auto p, prepare(y, mg));
    prep_ = std::move(p);
    step_ = y.step();
    const std::size_t n = prep_.y.size();
    std::vector<std::size_t> usable;
    for (std::size_t q : periods)
      if (q >= 2 && 2 * q < n) usable.push_back(q);
    const std::size_t per = usable.empty() ? 1 : usable.back();
    std::size_t H = opt_.calibration_horizon ? opt_.calibration_horizon : per;
    const std::size_t min_train = std::max<std::size_t>(2 * per + 1, 10);
    if (n < min_train + H) H = n > min_train ? n - min_train : 0;
    // Origins spread over the history (a multiple of the shortest period
    // apart, so every origin has the phase of the forecast origin): errors a
    // week ahead from origins a day apart overlap and understate the spread.
    const std::size_t m1 = usable.empty() ? 0 : usable.front();
    std::size_t stride = usable.empty() ? std::max<std::size_t>(1, H) : m1;
    if (m1 > 0 && opt_.calibration_origins > 0 && n > min_train + H) {
      const std::size_t room = (n - min_train - H) / (opt_.calibration_origins * m1);
      stride = m1 * std::max<std::size_t>(1, room);
    }
    // Candidates 0..3: mstl+naive, mstl+ar, mstl+combined, snaive.
    const Remainder rems[3] = {Remainder::naive, Remainder::ar, Remainder::combined};
    const std::size_t nc = usable.empty() ? 1 : 4;
    std::vector<std::vector<std::vector<double>>> errs(nc), fbk(nc);
    auto kc = detail::make_kernel_cache();
    if (H >= 2) {
      for (std::size_t k = 0; k < opt_.calibration_origins; ++k) {
        if (n < H + k * stride || n - H - k * stride < min_train) break;
        const std::size_t o = n - H - k * stride;
        Data d{std::span<const double>(prep_.y.data(), o), prep_.start_s, step_, nullptr};
        std::vector<double> f(H), pe(m1, 0.0);
        auto push = [&](std::size_t c) {
          std::vector<double> e(H);
          for (std::size_t h = 0; h < H; ++h) e[h] = prep_.y[o + h] - f[h];
          errs[c].push_back(std::move(e));
          fbk[c].push_back(pe);
        };
        if (!usable.empty()) {
          MstlCore mc(usable, Remainder::combined, opt_.ar_order);
          // One MSTL iteration (two STL inner passes) per origin instead of
          // two: the CV errors calibrate the intervals and fit the feedback,
          // they need the model's error distribution, not R's exact
          // decomposition, and this halves the cost of the 12 origins. On
          // taylor the choice kept day/week MAPE (0.892/1.416 vs 0.895/1.433)
          // and 80/95 % coverage with 5 weeks of history (81.0/95.1 vs
          // 83.0/96.0); one inner pass as well was cheaper still but
          // under-covered with 5 weeks (71.8/91.0).
          mc.set_decomposition(1, 2, kc.get());
          if (mc.fit(d)) {
            for (std::size_t c = 0; c < 3; ++c) {
              mc.forecast_with(rems[c], f);
              mc.last_period_errors(rems[c], pe);
              push(c);
            }
          }
        }
        SnaiveCore sc(per);
        (void)sc.fit(d);
        (void)sc.forecast(f, nullptr, 0);
        std::fill(pe.begin(), pe.end(), 0.0);
        push(nc - 1);
      }
    }
    // Error feedback (the AR adjustment of Taylor 2003 moved to the daily
    // lag): the remainder model's errors over the last short period persist
    // (weather regimes last days), so the forecast for day j ahead adds
    // c_j times yesterday's error at the same phase. c_j is the least-squares
    // coefficient of the honest CV errors on those feedback errors, per day
    // ahead, clipped to [0, 1]; then the CV errors are corrected with it.
    coef_.assign(nc, {});
    if (m1 > 0) {
      const std::size_t days = (H + m1 - 1) / m1;
      for (std::size_t c = 0; c < nc; ++c) {
        coef_[c].assign(days, 0.0);
        for (std::size_t j = 0; j < days; ++j) {
          double num = 0.0, den = 0.0;
          for (std::size_t k = 0; k < errs[c].size(); ++k)
            for (std::size_t h = j * m1; h < std::min(H, (j + 1) * m1); ++h) {
              num += errs[c][k][h] * fbk[c][k][h - j * m1];
              den += fbk[c][k][h - j * m1] * fbk[c][k][h - j * m1];
            }
          coef_[c][j] = den > 0.0 ? std::clamp(num / den, 0.0, 1.0) : 0.0;
        }
        for (std::size_t k = 0; k < errs[c].size(); ++k)
          for (std::size_t h = 0; h < H; ++h) errs[c][k][h] -= coef_[c][h / m1] * fbk[c][k][h % m1];
      }
    }
    m1_ = m1;
    usable_ = usable;
    per_ = per;
    errs_ = std::move(errs);
    H_ = H;
    if (!usable.empty()) {
      mstl_ = std::make_unique<MstlCore>(usable, Remainder::combined, opt_.ar_order);
      mstl_->set_decomposition(2, 2, kc.get());
      JOULE_RETURN_IF_ERROR(mstl_->fit(Data{prep_.y, prep_.start_s, step_, nullptr}));
      mstl_->set_decomposition(2, 2, nullptr);  // the cache dies with this call
    }
    snaive_ = std::make_unique<SnaiveCore>(per);
    JOULE_RETURN_IF_ERROR(snaive_->fit(Data{prep_.y, prep_.start_s, step_, nullptr}));
    fitted_ = true;
    return {};
  }
  // The candidate with the least CV mean absolute error over leads 1..horizon;
  // mstl+combined is kept unless another is more than 25 % better (the CV
  // origins are few and correlated, so small differences are noise).
  std::size_t choose(std::size_t horizon) const {
    const std::size_t nc = errs_.size();
    const std::size_t dflt = usable_.empty() ? 0 : 2;
    std::vector<double> mae(nc, std::numeric_limits<double>::infinity());
    for (std::size_t c = 0; c < nc; ++c) {
      if (errs_[c].empty()) continue;
      double s = 0.0;
      std::size_t cnt = 0;
      for (const auto& e : errs_[c])
        for (std::size_t h = 0; h < std::min(horizon, e.size()); ++h) {
          s += std::fabs(e[h]);
          ++cnt;
        }
      if (cnt) mae[c] = s / static_cast<double>(cnt);
    }
    std::size_t best = dflt;
    // Candidate 0 (random-walk remainder) competes only up to one short
    // period ahead: its variance grows without bound, and beyond a day a few
    // recent origins favour it whenever the level drifts.
    // Candidate 1 (AR remainder alone) is scored and reported but, like 0,
    // not chosen: on the taylor benchmark's 28 origins the few, overlapping
    // CV origins picked it or the random walk whenever the recent level
    // drifted, which cost accuracy at every horizon (docs/forecast.md).
    const std::size_t first = (!usable_.empty() && horizon <= usable_.front()) ? 0 : 1;
    for (std::size_t c = first; c < nc; ++c)
      if (c == 0 || c == 1) continue;
      else
      if (mae[c] < mae[best]) best = c;
    if (best != dflt && std::isfinite(mae[dflt]) && mae[dflt] <= 1.25 * mae[best]) best = dflt;
    return best;
  }
  Result<Forecast> predict(std::size_t horizon, std::span<const double> levels, const Features*) const override {
    if (!fitted_) return fail(Errc::invalid_argument, "model is not fitted");
    if (horizon == 0) return fail(Errc::invalid_argument, "horizon must be positive", Where::at_field("horizon"));
    for (std::size_t j = 0; j < levels.size(); ++j)
      if (!(levels[j] > 0.0 && levels[j] < 1.0))
        return fail(Errc::invalid_argument, "quantile levels must lie in (0, 1)", Where::at_index(j, "levels"));
    const std::size_t best = choose(horizon);
    const Remainder rems[3] = {Remainder::naive, Remainder::ar, Remainder::combined};
    std::unique_ptr<Core> owned;
    const Core* core_ = nullptr;
    if (best == errs_.size() - 1 || !mstl_) {
      core_ = snaive_.get();
    } else {
      owned = mstl_->clone();
      static_cast<MstlCore*>(owned.get())->set_remainder(rems[best]);
      core_ = owned.get();
    }
    const Calibration cal_{H_, errs_.empty() ? std::vector<std::vector<double>>{} : errs_[best]};
    Forecast fc;
    fc.step_s = step_;
    fc.start_s = prep_.start_s + static_cast<std::int64_t>(prep_.y.size()) * step_;
    fc.mean.resize(horizon);
    JOULE_RETURN_IF_ERROR(core_->forecast(fc.mean, nullptr, 0));
    if (m1_ > 0 && mstl_ && best < coef_.size() && best < 3 && !coef_[best].empty()) {
      std::vector<double> pe(m1_);
      mstl_->last_period_errors(rems[best], pe);
      for (std::size_t h = 0; h < horizon && h / m1_ < coef_[best].size(); ++h)
        fc.mean[h] += coef_[best][h / m1_] * pe[h % m1_];
    }
    fc.levels.assign(levels.begin(), levels.end());
    std::sort(fc.levels.begin(), fc.levels.end());
    std::vector<double> sd(horizon, 0.0);
    const bool conformal = cal_.errors.size() >= 2 && cal_.horizon >= 2;
    if (!conformal) core_->sd(sd);
    std::vector<std::vector<double>> offs;
    if (conformal) offs = conformal_offsets(cal_, fc.levels, horizon);
    for (std::size_t li = 0; li < fc.levels.size(); ++li) {
      const double q = fc.levels[li];
      std::vector<double> path(horizon);
      if (conformal) {
        const auto& off = offs[li];
        for (std::size_t h = 0; h < horizon; ++h) path[h] = fc.mean[h] + off[h];
      } else {
        const double z = detail::normal_quantile(q);
        for (std::size_t h = 0; h < horizon; ++h) path[h] = fc.mean[h] + z * sd[h];
      }
      fc.quantiles.push_back(std::move(path));
    }
    for (std::size_t h = 0; h < horizon; ++h)
      for (std::size_t j = 1; j < fc.quantiles.size(); ++j)
        fc.quantiles[j][h] = std::max(fc.quantiles[j][h], fc.quantiles[j - 1][h]);
    if (opt_.non_negative) {
      for (double& v : fc.mean) v = std::max(v, 0.0);
      for (auto& p : fc.quantiles)
        for (double& v : p) v = std::max(v, 0.0);
    }
    return fc;
  }
  std::string description() const override {
    if (!fitted_) return "auto (unfitted)";
    const std::size_t b = choose(H_ ? H_ : 1);
    const char* names[] = {"mstl+naive", "mstl+ar", "mstl+naive+ar", "snaive"};
    std::string d = std::string("auto:") + (b == errs_.size() - 1 || !mstl_ ? "snaive" : names[b]);
    if (b < coef_.size() && !coef_[b].empty() && coef_[b][0] > 0.0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "+feedback(%.2f)", coef_[b][0]);
      d += buf;
    }
    return d;
  }
  std::unique_ptr<Model> clone() const override {
    auto m = std::make_unique<AutoModel>(opt_);
    m->prep_ = prep_;
    m->step_ = step_;
    m->fitted_ = fitted_;
    m->errs_ = errs_;
    m->H_ = H_;
    m->usable_ = usable_;
    m->per_ = per_;
    m->m1_ = m1_;
    m->coef_ = coef_;
    if (mstl_) m->mstl_.reset(static_cast<MstlCore*>(mstl_->clone().release()));
    if (snaive_) m->snaive_ = std::make_unique<SnaiveCore>(*snaive_);
    return m;
  }

 private:
  ModelOptions opt_;
  std::unique_ptr<MstlCore> mstl_;
  std::unique_ptr<SnaiveCore> snaive_;
  std::vector<std::vector<std::vector<double>>> errs_;
  std::vector<std::size_t> usable_;
  std::size_t per_ = 1, H_ = 0, m1_ = 0;
  std::vector<std::vector<double>> coef_;  // error-feedback coefficient per candidate and period ahead
  Prepared prep_;
  std::int64_t step_ = 1;
  bool fitted_ = false;
};

// Defers building the core until the step is known (periods default from it).
class LazyModel final : public Model {
 public:
  explicit LazyModel(ModelOptions o) : opt_(std::move(o)) {}
  Status fit(const TimeSeries& y, const Features* x) override {
    ModelOptions o = opt_;
    if (o.periods.empty()) o.periods = default_periods(y.step());
    const std::size_t m1 = o.periods.empty() ? 1 : o.periods.front();
    const std::size_t m2 = o.periods.empty() ? 1 : o.periods.back();
    std::unique_ptr<Core> core;
    switch (o.kind) {
      case ModelKind::seasonal_naive: core = std::make_unique<SnaiveCore>(m2); break;
      case ModelKind::ets: {
        const EtsSpace sp = ets_space(o);
        core = std::make_unique<EtsAutoCore>(sp, (sp.season[1] || sp.season[2]) ? m1 : 0);
        break;
      }
      case ModelKind::dshw:
        if (o.periods.size() < 2) return fail(Errc::invalid_argument, "dshw needs two periods", Where::at_field("periods"));
        core = std::make_unique<DshwCore>(m1, m2);
        break;
      case ModelKind::mstl: core = std::make_unique<MstlCore>(o.periods, o.remainder, o.ar_order); break;
      case ModelKind::ridge:
      case ModelKind::quantile_regression:
        core = std::make_unique<RegressionCore>(o.periods, o.fourier_k, o.ridge_lambda,
                                                o.kind == ModelKind::quantile_regression);
        break;
      case ModelKind::automatic: break;
    }
    auto m = std::make_unique<CoreModel>(o, std::move(core));
    if (!reg_levels_.empty()) m->set_regression_levels(reg_levels_);
    JOULE_RETURN_IF_ERROR(m->fit(y, x));
    inner_ = std::move(m);
    return {};
  }
  Result<Forecast> predict(std::size_t horizon, std::span<const double> levels, const Features* future) const override {
    if (!inner_) return fail(Errc::invalid_argument, "model is not fitted");
    return inner_->predict(horizon, levels, future);
  }
  std::string description() const override { return inner_ ? inner_->description() : "unfitted"; }
  std::unique_ptr<Model> clone() const override {
    auto m = std::make_unique<LazyModel>(opt_);
    if (inner_) m->inner_ = inner_->clone();
    m->reg_levels_ = reg_levels_;
    return m;
  }
  std::vector<double> reg_levels_;

 private:
  ModelOptions opt_;
  std::unique_ptr<Model> inner_;
};

}  // namespace

Result<ModelKind> parse_model_kind(std::string_view s) {
  if (s == "auto" || s == "automatic") return ModelKind::automatic;
  if (s == "snaive" || s == "seasonal_naive") return ModelKind::seasonal_naive;
  if (s == "ets") return ModelKind::ets;
  if (s == "dshw") return ModelKind::dshw;
  if (s == "mstl") return ModelKind::mstl;
  if (s == "ridge") return ModelKind::ridge;
  if (s == "qreg" || s == "quantile_regression") return ModelKind::quantile_regression;
  return fail(Errc::invalid_argument, "unknown model (auto, snaive, ets, dshw, mstl, ridge, qreg)");
}

Status parse_model(std::string_view s, ModelOptions& o) {
  if (s.size() > 5 && s.substr(0, 4) == "ets(" && s.back() == ')') {
    JOULE_RETURN_IF_ERROR(parse_ets_space(s));
    o.kind = ModelKind::ets;
    o.ets_form = std::string(s.substr(4, s.size() - 5));
    return {};
  }
  JOULE_TRY(o.kind, parse_model_kind(s));
  return {};
}

Result<std::unique_ptr<Model>> make_model(const ModelOptions& o) {
  for (std::size_t i = 0; i < o.periods.size(); ++i) {
    if (o.periods[i] < 1) return fail(Errc::invalid_argument, "periods must be >= 1", Where::at_index(i, "periods"));
    if (i > 0 && o.periods[i] <= o.periods[i - 1])
      return fail(Errc::invalid_argument, "periods must be ascending", Where::at_index(i, "periods"));
  }
  if (o.ar_order > 500) return fail(Errc::invalid_argument, "ar_order above 500", Where::at_field("ar_order"));
  if (!(o.ridge_lambda >= 0.0)) return fail(Errc::invalid_argument, "ridge_lambda must be >= 0", Where::at_field("ridge_lambda"));
  if (o.fourier_k > 100) return fail(Errc::invalid_argument, "fourier_k above 100", Where::at_field("fourier_k"));
  if (o.calibration_origins > 1000)
    return fail(Errc::invalid_argument, "calibration_origins above 1000", Where::at_field("calibration_origins"));
  if (!o.ets_form.empty()) JOULE_RETURN_IF_ERROR(parse_ets_space(o.ets_form));
  if (o.kind == ModelKind::automatic) return std::unique_ptr<Model>(std::make_unique<AutoModel>(o));
  return std::unique_ptr<Model>(std::make_unique<LazyModel>(o));
}

Result<Forecast> fit_predict(const TimeSeries& y, std::size_t horizon, std::span<const double> levels,
                             const ModelOptions& options, const Features* x, const Features* future) {
  JOULE_TRY(auto m, make_model(options));
  if (options.kind == ModelKind::quantile_regression)
    static_cast<LazyModel*>(m.get())->reg_levels_.assign(levels.begin(), levels.end());
  JOULE_RETURN_IF_ERROR(m->fit(y, x));
  return m->predict(horizon, levels, future);
}

Result<BatchResult> forecast_batch(std::span<const double> values, std::size_t n_series, std::int64_t start_s,
                                   std::int64_t step_s, std::size_t horizon, std::span<const double> levels,
                                   const ModelOptions& options, std::size_t threads) {
  if (n_series == 0 || values.size() % n_series != 0)
    return fail(Errc::invalid_argument, "values must hold n_series rows of equal length", Where::at_field("values"));
  if (horizon == 0) return fail(Errc::invalid_argument, "horizon must be positive", Where::at_field("horizon"));
  JOULE_RETURN_IF_ERROR(make_model(options));
  const std::size_t len = values.size() / n_series, nq = levels.size();
  BatchResult r;
  r.mean.assign(n_series * horizon, kNaN);
  r.quantiles.assign(n_series * nq * horizon, kNaN);
  std::vector<char> failed(n_series, 0);
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, n_series);
  auto work = [&](std::size_t t) {
    for (std::size_t i = t; i < n_series; i += threads) {
      auto ts = TimeSeries::make(start_s, step_s, std::vector<double>(values.begin() + static_cast<std::ptrdiff_t>(i * len),
                                                                      values.begin() + static_cast<std::ptrdiff_t>((i + 1) * len)));
      if (!ts) {
        failed[i] = 1;
        continue;
      }
      auto fc = fit_predict(*ts, horizon, levels, options);
      if (!fc) {
        failed[i] = 1;
        continue;
      }
      std::copy(fc->mean.begin(), fc->mean.end(), r.mean.begin() + static_cast<std::ptrdiff_t>(i * horizon));
      for (std::size_t j = 0; j < nq; ++j)
        std::copy(fc->quantiles[j].begin(), fc->quantiles[j].end(),
                  r.quantiles.begin() + static_cast<std::ptrdiff_t>((i * nq + j) * horizon));
    }
  };
  if (threads <= 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(work, t);
    for (auto& th : pool) th.join();
  }
  for (std::size_t i = 0; i < n_series; ++i)
    if (failed[i]) r.failed.push_back(i);
  return r;
}

}  // namespace joule::forecast
