// spdlog and fmt, compiled once into the binary instead of loaded from
// their shared libraries.
//
// Debian ships spdlog and fmt as shared libraries only, and each shared
// library costs every `layerfs` command 1-2 ms of loading before main()
// (CMakeLists.txt gives the figures). Both can instead be built from their
// headers: spdlog's out-of-line definitions are in its *-inl.h files,
// which every file including <spdlog/spdlog.h> would otherwise compile
// again (header-only mode), and fmt's in <fmt/format-inl.h>. This file is
// the one place they are compiled: the rest of the project sees the
// headers with SPDLOG_COMPILED_LIB and SPDLOG_FMT_EXTERNAL (set by the
// layerfs_spdlog target), which makes them declare what is defined here.
// So the build costs one extra file rather than spdlog's implementation in
// each of a dozen.
//
// The explicit instantiations are the class and function templates the
// project uses (mount/logging.cc's sinks, the default logger's colour
// sink) and fmt's own, which its headers declare extern.
//
// Thread-safety: that of spdlog and fmt; nothing here has state.

#include <fmt/format-inl.h>

#include <spdlog/async.h>
#include <spdlog/async_logger-inl.h>
#include <spdlog/cfg/helpers-inl.h>
#include <spdlog/common-inl.h>
#include <spdlog/details/backtracer-inl.h>
#include <spdlog/details/file_helper-inl.h>
#include <spdlog/details/log_msg-inl.h>
#include <spdlog/details/log_msg_buffer-inl.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/details/os-inl.h>
#include <spdlog/details/periodic_worker-inl.h>
#include <spdlog/details/registry-inl.h>
#include <spdlog/details/thread_pool-inl.h>
#include <spdlog/logger-inl.h>
#include <spdlog/pattern_formatter-inl.h>
#include <spdlog/sinks/ansicolor_sink-inl.h>
#include <spdlog/sinks/base_sink-inl.h>
#include <spdlog/sinks/sink-inl.h>
#include <spdlog/sinks/stdout_color_sinks-inl.h>
#include <spdlog/sinks/stdout_sinks-inl.h>
#include <spdlog/spdlog-inl.h>

#include <mutex>

// fmt's templates that <fmt/format.h> declares extern.
namespace fmt {
namespace detail {
template FMT_API auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template FMT_API auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;
template FMT_API locale_ref::locale_ref(const std::locale& loc);
template FMT_API auto locale_ref::get<std::locale>() const -> std::locale;
template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API void buffer<char>::append(const char*, const char*);
template FMT_API void vformat_to(buffer<char>&, string_view,
                                 basic_format_args<FMT_BUFFER_CONTEXT(char)>, locale_ref);
}  // namespace detail
}  // namespace fmt

// spdlog's sink templates, for the mutexes the project and spdlog's
// default logger use.
template class spdlog::sinks::base_sink<std::mutex>;
template class spdlog::sinks::base_sink<spdlog::details::null_mutex>;
template class spdlog::sinks::stdout_sink_base<spdlog::details::console_mutex>;
template class spdlog::sinks::stdout_sink<spdlog::details::console_mutex>;
template class spdlog::sinks::stderr_sink<spdlog::details::console_mutex>;
template class spdlog::sinks::ansicolor_sink<spdlog::details::console_mutex>;
template class spdlog::sinks::ansicolor_stdout_sink<spdlog::details::console_mutex>;
template class spdlog::sinks::ansicolor_stderr_sink<spdlog::details::console_mutex>;
