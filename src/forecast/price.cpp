// Day-ahead price model (robust regression, no log transform) and GARCH(1,1).
#include "joule/forecast/price.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "detail.hpp"

namespace joule::forecast {

double garch11_log_likelihood(std::span<const double> r, double mu, double omega, double alpha, double beta) {
  const std::size_t n = r.size();
  if (n == 0) return 0.0;
  double var = 0.0;
  for (double x : r) var += (x - mu) * (x - mu);
  var /= static_cast<double>(n);
  double s2 = var, ll = 0.0, eprev = 0.0;
  for (std::size_t t = 0; t < n; ++t) {
    if (t > 0) s2 = omega + alpha * eprev * eprev + beta * s2;
    if (!(s2 > 0)) return -1e300;
    const double e = r[t] - mu;
    ll += -0.5 * (std::log(2 * M_PI) + std::log(s2) + e * e / s2);
    eprev = e;
  }
  return ll;
}

Result<Garch11> fit_garch11(std::span<const double> r) {
  const std::size_t n = r.size();
  if (n < 10) return fail(Errc::invalid_argument, "GARCH needs at least 10 observations");
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(r[i])) return fail(Errc::invalid_argument, "returns have NaN", Where::at_index(i));
  const double mean = std::accumulate(r.begin(), r.end(), 0.0) / static_cast<double>(n);
  double var = 0.0;
  for (double x : r) var += (x - mean) * (x - mean);
  var /= static_cast<double>(n);
  if (!(var > 0)) return fail(Errc::numerical, "returns have zero variance");
  const double sd = std::sqrt(var);
  // Parameters: mu (in sd units), persistence p = alpha + beta in (0, 0.9999),
  // share a = alpha / p, and omega = var (1 - p) exp(x3) around the variance-targeting value.
  auto unpack = [&](const std::vector<double>& x, double& mu, double& om, double& al, double& be) {
    mu = mean + sd * x[0];
    const double p = 0.9999 * detail::logistic(x[1]);
    const double a = detail::logistic(x[2]);
    al = p * a;
    be = p * (1 - a);
    om = var * (1 - p) * std::exp(x[3]);
  };
  auto obj = [&](const std::vector<double>& x) {
    double mu, om, al, be;
    unpack(x, mu, om, al, be);
    return -garch11_log_likelihood(r, mu, om, al, be);
  };
  std::vector<double> best;
  double fbest = 1e300;
  for (double p0 : {0.5, 0.9, 0.97}) {
    auto x = detail::nelder_mead(obj, {0.0, detail::logit(p0 / 0.9999), detail::logit(0.1), 0.0}, 0.5, 2000, 1e-12);
    x = detail::nelder_mead(obj, x, 0.1, 2000, 1e-13);
    const double fx = obj(x);
    if (fx < fbest) {
      fbest = fx;
      best = x;
    }
  }
  Garch11 g;
  unpack(best, g.mu, g.omega, g.alpha, g.beta);
  g.log_likelihood = -fbest;
  if (!std::isfinite(g.log_likelihood)) return fail(Errc::numerical, "GARCH likelihood is not finite");
  g.sigma2.resize(n);
  double s2 = var, eprev = 0.0;
  for (std::size_t t = 0; t < n; ++t) {
    if (t > 0) s2 = g.omega + g.alpha * eprev * eprev + g.beta * s2;
    g.sigma2[t] = s2;
    eprev = r[t] - g.mu;
  }
  g.last_residual = eprev;
  return g;
}

std::vector<double> garch11_forecast(const Garch11& g, std::size_t horizon) {
  std::vector<double> out(horizon);
  if (horizon == 0 || g.sigma2.empty()) return out;
  double s2 = g.omega + g.alpha * g.last_residual * g.last_residual + g.beta * g.sigma2.back();
  for (std::size_t h = 0; h < horizon; ++h) {
    out[h] = s2;
    s2 = g.omega + (g.alpha + g.beta) * s2;  // E[e^2] = sigma^2 beyond one step
  }
  return out;
}

namespace {

class PriceModel final : public Model {
 public:
  explicit PriceModel(PriceModelOptions o) : o_(o) {}
  Status fit(const TimeSeries& y, const Features* x) override {
    fitted_ = false;
    const std::size_t P = o_.period, n = y.size();
    if (n < 8 * P + 2) return fail(Errc::invalid_argument, "price model needs at least 8 days of data");
    y_.assign(y.values().begin(), y.values().end());
    start_ = y.start();
    step_ = y.step();
    nx_ = x ? x->columns.size() : 0;
    if (x && x->rows() != n) return fail(Errc::invalid_argument, "regressors must have one row per value", Where::at_field("x"));
    std::vector<std::size_t> rows;
    for (std::size_t t = 7 * P; t < n; ++t) {
      bool ok = std::isfinite(y_[t]) && std::isfinite(y_[t - P]) && std::isfinite(y_[t - 7 * P]);
      for (std::size_t c = 0; c < nx_ && ok; ++c) ok = std::isfinite(x->columns[c][t]);
      if (ok) rows.push_back(t);
    }
    if (rows.size() < 2 * cols()) return fail(Errc::invalid_argument, "too few complete rows for the price model");
    Eigen::MatrixXd X(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(cols()));
    Eigen::VectorXd Y(static_cast<Eigen::Index>(rows.size()));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      row(X.row(static_cast<Eigen::Index>(i)), rows[i], y_[rows[i] - P], y_[rows[i] - 7 * P], x, rows[i]);
      Y[static_cast<Eigen::Index>(i)] = y_[rows[i]];
    }
    // Huber M-estimation by IRLS; scale = MAD of the residuals.
    Eigen::VectorXd w = Eigen::VectorXd::Ones(Y.size());
    for (int it = 0; it < 30; ++it) {
      Eigen::MatrixXd A = X.transpose() * w.asDiagonal() * X;
      A.diagonal().array() += o_.ridge_lambda;
      Eigen::VectorXd b = A.ldlt().solve(X.transpose() * w.asDiagonal() * Y);
      Eigen::VectorXd res = Y - X * b;
      std::vector<double> rv(res.data(), res.data() + res.size());
      const double s = std::max(detail::mad(rv, detail::median(rv)), 1e-9);
      for (Eigen::Index i = 0; i < res.size(); ++i) {
        const double u = std::fabs(res[i]) / (o_.huber_k * s);
        w[i] = u <= 1.0 ? 1.0 : 1.0 / u;
      }
      const bool done = beta_.size() == b.size() && (b - beta_).norm() <= 1e-8 * (1.0 + b.norm());
      beta_ = b;
      if (done) break;
    }
    Eigen::VectorXd res = Y - X * beta_;
    resid_by_hour_.assign(P, {});
    for (std::size_t i = 0; i < rows.size(); ++i) resid_by_hour_[hour(rows[i])].push_back(res[static_cast<Eigen::Index>(i)]);
    for (auto& v : resid_by_hour_) std::sort(v.begin(), v.end());
    vol_ = PriceVolatility{};
    if (o_.garch_intervals) {
      vol_.residuals.assign(res.data(), res.data() + res.size());
      JOULE_TRY(auto g, fit_garch11(vol_.residuals));
      double m = 0.0;
      for (double v : g.sigma2) m += v;
      vol_.mean_sigma2 = g.sigma2.empty() ? 0.0 : m / static_cast<double>(g.sigma2.size());
      if (!(vol_.mean_sigma2 > 0.0)) return fail(Errc::numerical, "GARCH of the price residuals has no variance");
      vol_.garch = std::move(g);
    }
    fitted_ = true;
    return {};
  }
  Result<Forecast> predict(std::size_t horizon, std::span<const double> levels, const Features* future) const override {
    if (!fitted_) return fail(Errc::invalid_argument, "model is not fitted");
    if (horizon == 0) return fail(Errc::invalid_argument, "horizon must be positive", Where::at_field("horizon"));
    for (std::size_t j = 0; j < levels.size(); ++j)
      if (!(levels[j] > 0 && levels[j] < 1)) return fail(Errc::invalid_argument, "quantile levels must lie in (0, 1)", Where::at_index(j, "levels"));
    if (nx_ > 0 && (!future || future->columns.size() != nx_ || future->rows() < horizon))
      return fail(Errc::invalid_argument, "future regressors missing or too short", Where::at_field("future"));
    const std::size_t P = o_.period, n = y_.size();
    std::vector<double> path(y_);  // forecasts appended (recursive beyond one day)
    Forecast fc;
    fc.start_s = start_ + static_cast<std::int64_t>(n) * step_;
    fc.step_s = step_;
    fc.mean.resize(horizon);
    Eigen::RowVectorXd r(static_cast<Eigen::Index>(cols()));
    for (std::size_t h = 0; h < horizon; ++h) {
      const std::size_t t = n + h;
      double l1 = path[t - P], l7 = path[t - 7 * P];
      if (!std::isfinite(l1)) l1 = l7;
      if (!std::isfinite(l7)) l7 = l1;
      row(r, t, l1, l7, future, h);
      fc.mean[h] = r.dot(beta_);
      path.push_back(fc.mean[h]);
    }
    fc.levels.assign(levels.begin(), levels.end());
    std::sort(fc.levels.begin(), fc.levels.end());
    // GARCH scale per step: the hour's empirical quantiles describe an
    // average day, the GARCH says how volatile the next steps are relative to it.
    std::vector<double> scale(horizon, 1.0);
    if (o_.garch_intervals) {
      const auto var = garch11_forecast(vol_.garch, horizon);
      for (std::size_t h = 0; h < horizon; ++h) scale[h] = std::sqrt(std::max(var[h], 0.0) / vol_.mean_sigma2);
    }
    for (double q : fc.levels) {
      std::vector<double> p(horizon);
      for (std::size_t h = 0; h < horizon; ++h) {
        const auto& rv = resid_by_hour_[hour(n + h)];
        // Errors compound beyond a day (recursive lags): widen like sqrt(days).
        const double grow = std::sqrt(static_cast<double>(h / P + 1));
        const double med = detail::quantile_sorted(rv, 0.5);
        p[h] = fc.mean[h] + grow * (med + scale[h] * (detail::quantile_sorted(rv, q) - med));
      }
      fc.quantiles.push_back(std::move(p));
    }
    return fc;
  }
  std::string description() const override { return o_.garch_intervals ? "price(huber)+garch(1,1)" : "price(huber)"; }
  Result<PriceVolatility> volatility() const {
    if (!fitted_) return fail(Errc::invalid_argument, "price model is not fitted");
    if (!o_.garch_intervals) return fail(Errc::invalid_argument, "price model was fitted without garch_intervals");
    return vol_;
  }
  std::unique_ptr<Model> clone() const override { return std::make_unique<PriceModel>(*this); }

 private:
  std::size_t cols() const { return 1 + (o_.period - 1) + 6 + 2 + nx_; }
  std::size_t hour(std::size_t t) const {
    const std::int64_t tt = start_ + static_cast<std::int64_t>(t) * step_;
    const std::int64_t sod = ((tt % 86400) + 86400) % 86400;
    return static_cast<std::size_t>(sod / std::max<std::int64_t>(1, 86400 / static_cast<std::int64_t>(o_.period))) % o_.period;
  }
  template <class Row>
  void row(Row&& out, std::size_t t, double lag1, double lag7, const Features* x, std::size_t xr) const {
    out.setZero();
    Eigen::Index c = 0;
    out[c++] = 1.0;
    const std::size_t h = hour(t);
    if (h > 0) out[c + static_cast<Eigen::Index>(h) - 1] = 1.0;
    c += static_cast<Eigen::Index>(o_.period - 1);
    const std::int64_t tt = start_ + static_cast<std::int64_t>(t) * step_;
    const std::int64_t days = (tt >= 0 ? tt : tt - 86399) / 86400;
    const auto wd = static_cast<unsigned>(((days % 7) + 7 + 3) % 7);
    if (wd > 0) out[c + static_cast<Eigen::Index>(wd) - 1] = 1.0;
    c += 6;
    out[c++] = lag1;
    out[c++] = lag7;
    for (std::size_t k = 0; k < nx_; ++k) out[c++] = x->columns[k][xr];
  }
  PriceModelOptions o_;
  std::vector<double> y_;
  std::int64_t start_ = 0, step_ = 3600;
  std::size_t nx_ = 0;
  Eigen::VectorXd beta_;
  std::vector<std::vector<double>> resid_by_hour_;
  PriceVolatility vol_;
  bool fitted_ = false;
};

}  // namespace

Result<PriceVolatility> price_volatility(const Model& m) {
  const auto* p = dynamic_cast<const PriceModel*>(&m);
  if (!p) return fail(Errc::invalid_argument, "not a price model");
  return p->volatility();
}

Result<std::unique_ptr<Model>> make_price_model(const PriceModelOptions& o) {
  if (o.period < 2 || o.period > 1440) return fail(Errc::invalid_argument, "period must lie in [2, 1440]", Where::at_field("period"));
  if (!(o.huber_k > 0)) return fail(Errc::invalid_argument, "huber_k must be positive", Where::at_field("huber_k"));
  if (!(o.ridge_lambda >= 0)) return fail(Errc::invalid_argument, "ridge_lambda must be >= 0", Where::at_field("ridge_lambda"));
  return std::unique_ptr<Model>(std::make_unique<PriceModel>(o));
}

}  // namespace joule::forecast
