var re,k,Fe,At,W,We,Be,Ke,ve,Q,J,qe,we,ye,ge,Dt,te={},oe=[],Lt=/acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera/i,se=Array.isArray;function L(e,t){for(var o in t)e[o]=t[o];return e}function ke(e){e&&e.parentNode&&e.parentNode.removeChild(e)}function xe(e,t,o){var n,s,r,l={};for(r in t)r=="key"?n=t[r]:r=="ref"?s=t[r]:l[r]=t[r];if(arguments.length>2&&(l.children=arguments.length>3?re.call(arguments,2):o),typeof e=="function"&&e.defaultProps!=null)for(r in e.defaultProps)l[r]===void 0&&(l[r]=e.defaultProps[r]);return Z(e,l,n,s,null)}function Z(e,t,o,n,s){var r={type:e,props:t,key:o,ref:n,__k:null,__:null,__b:0,__e:null,__c:null,constructor:void 0,__v:s??++Fe,__i:-1,__u:0};return s==null&&k.vnode!=null&&k.vnode(r),r}function ae(e){return e.children}function ee(e,t){this.props=e,this.context=t}function B(e,t){if(t==null)return e.__?B(e.__,e.__i+1):null;for(var o;t<e.__k.length;t++)if((o=e.__k[t])!=null&&o.__e!=null)return o.__e;return typeof e.type=="function"?B(e):null}function Wt(e){if(e.__P&&e.__d){var t=e.__v,o=t.__e,n=[],s=[],r=L({},t);r.__v=t.__v+1,k.vnode&&k.vnode(r),Ee(e.__P,r,t,e.__n,e.__P.namespaceURI,32&t.__u?[o]:null,n,o??B(t),!!(32&t.__u),s),r.__v=t.__v,r.__.__k[r.__i]=r,Ge(n,r,s),t.__e=t.__=null,r.__e!=o&&je(r)}}function je(e){if((e=e.__)!=null&&e.__c!=null)return e.__e=e.__c.base=null,e.__k.some(function(t){if(t!=null&&t.__e!=null)return e.__e=e.__c.base=t.__e}),je(e)}function Ue(e){(!e.__d&&(e.__d=!0)&&W.push(e)&&!ne.__r++||We!=k.debounceRendering)&&((We=k.debounceRendering)||Be)(ne)}function ne(){try{for(var e,t=1;W.length;)W.length>t&&W.sort(Ke),e=W.shift(),t=W.length,Wt(e)}finally{W.length=ne.__r=0}}function Ve(e,t,o,n,s,r,l,u,c,i,d){var h,a,_,f,$,v,g=n&&n.__k||oe,m=t.length;for(c=Ut(o,t,g,c,m),h=0;h<m;h++)(_=o.__k[h])!=null&&(a=_.__i!=-1&&g[_.__i]||te,_.__i=h,v=Ee(e,_,a,s,r,l,u,c,i,d),f=_.__e,_.ref&&a.ref!=_.ref&&(a.ref&&Se(a.ref,null,_),d.push(_.ref,_.__c||f,_)),$==null&&f!=null&&($=f),4&_.__u?(c=Je(_,c,e),a.__e&&(a.__e=null)):typeof _.type=="function"&&v!==void 0?c=v:f&&(c=f.nextSibling),_.__u&=-7);return o.__e=$,c}function Ut(e,t,o,n,s){var r,l,u,c,i,d=o.length,h=d,a=0;for(e.__k=new Array(s),r=0;r<s;r++)(l=t[r])!=null&&typeof l!="boolean"&&typeof l!="function"?(typeof l=="string"||typeof l=="number"||typeof l=="bigint"||l.constructor==String?l=e.__k[r]=Z(null,l,null,null,null):se(l)?l=e.__k[r]=Z(ae,{children:l},null,null,null):l.constructor===void 0&&l.__b>0?l=e.__k[r]=Z(l.type,l.props,l.key,l.ref?l.ref:null,l.__v):e.__k[r]=l,c=r+a,l.__=e,l.__b=e.__b+1,u=null,(i=l.__i=Ht(l,o,c,h))!=-1&&(h--,(u=o[i])&&(u.__u|=2)),u==null||u.__v==null?(i==-1&&(s>d?a--:s<d&&a++),typeof l.type!="function"&&(l.__u|=4)):i!=c&&(i==c-1?a--:i==c+1?a++:(i>c?a--:a++,l.__u|=4))):e.__k[r]=null;if(h)for(r=0;r<d;r++)(u=o[r])!=null&&(2&u.__u)==0&&(u.__e==n&&(n=B(u)),Xe(u,u));return n}function Je(e,t,o){var n,s;if(typeof e.type=="function"){for(n=e.__k,s=0;n&&s<n.length;s++)n[s]&&(n[s].__=e,t=Je(n[s],t,o));return t}e.__e!=t&&(t&&e.type&&!t.parentNode&&(t=B(e)),t=o.insertBefore(e.__e,t||null));do t=t&&t.nextSibling;while(t!=null&&t.nodeType==8);return t}function Ht(e,t,o,n){var s,r,l,u=e.key,c=e.type,i=t[o],d=i!=null&&(2&i.__u)==0;if(i===null&&u==null||d&&u==i.key&&c==i.type)return o;if(n>(d?1:0)){for(s=o-1,r=o+1;s>=0||r<t.length;)if((i=t[l=s>=0?s--:r++])!=null&&(2&i.__u)==0&&u==i.key&&c==i.type)return l}return-1}function He(e,t,o){t[0]=="-"?e.setProperty(t,o??""):e[t]=o==null?"":typeof o!="number"||Lt.test(t)?o:o+"px"}function X(e,t,o,n,s){var r,l;e:if(t=="style")if(typeof o=="string")e.style.cssText=o;else{if(typeof n=="string"&&(e.style.cssText=n=""),n)for(t in n)o&&t in o||He(e.style,t,"");if(o)for(t in o)n&&o[t]==n[t]||He(e.style,t,o[t])}else if(t[0]=="o"&&t[1]=="n")r=t!=(t=t.replace(qe,"$1")),l=t.toLowerCase(),t=l in e||t=="onFocusOut"||t=="onFocusIn"?l.slice(2):t.slice(2),e.l||(e.l={}),e.l[t+r]=o,o?n?o[J]=n[J]:(o[J]=we,e.addEventListener(t,r?ge:ye,r)):e.removeEventListener(t,r?ge:ye,r);else{if(s=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{e[t]=o??"";break e}catch{}typeof o=="function"||(o==null||o===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&o==1?"":o))}}function Oe(e){return function(t){if(this.l){var o=this.l[t.type+e];if(t[Q]==null)t[Q]=we++;else if(t[Q]<o[J])return;return o(k.event?k.event(t):t)}}}function Ee(e,t,o,n,s,r,l,u,c,i){var d,h,a,_,f,$,v,g,m,w,y,S,N,q,F,$e,A=t.type;if(t.constructor!==void 0)return null;128&o.__u&&(c=!!(32&o.__u),r=[u=t.__e=o.__e]),(d=k.__b)&&d(t);e:if(typeof A=="function"){h=l.length;try{if(m=t.props,w=A.prototype&&A.prototype.render,y=(d=A.contextType)&&n[d.__c],S=d?y?y.props.value:d.__:n,o.__c?g=(a=t.__c=o.__c).__=a.__E:(w?t.__c=a=new A(m,S):(t.__c=a=new ee(m,S),a.constructor=A,a.render=Ft),y&&y.sub(a),a.state||(a.state={}),a.__n=n,_=a.__d=!0,a.__h=[],a._sb=[]),w&&a.__s==null&&(a.__s=a.state),w&&A.getDerivedStateFromProps!=null&&(a.__s==a.state&&(a.__s=L({},a.__s)),L(a.__s,A.getDerivedStateFromProps(m,a.__s))),f=a.props,$=a.state,a.__v=t,_)w&&A.getDerivedStateFromProps==null&&a.componentWillMount!=null&&a.componentWillMount(),w&&a.componentDidMount!=null&&a.__h.push(a.componentDidMount);else{if(w&&A.getDerivedStateFromProps==null&&m!==f&&a.componentWillReceiveProps!=null&&a.componentWillReceiveProps(m,S),t.__v==o.__v||!a.__e&&a.shouldComponentUpdate!=null&&a.shouldComponentUpdate(m,a.__s,S)===!1){t.__v!=o.__v&&(a.props=m,a.state=a.__s,a.__d=!1),t.__e=o.__e,t.__k=o.__k,t.__k.some(function(j){j&&(j.__=t)}),oe.push.apply(a.__h,a._sb),a._sb=[],a.__h.length&&l.push(a),u=B(o);break e}a.componentWillUpdate!=null&&a.componentWillUpdate(m,a.__s,S),w&&a.componentDidUpdate!=null&&a.__h.push(function(){a.componentDidUpdate(f,$,v)})}if(a.context=S,a.props=m,a.__P=e,a.__e=!1,N=k.__r,q=0,w)a.state=a.__s,a.__d=!1,N&&N(t),d=a.render(a.props,a.state,a.context),oe.push.apply(a.__h,a._sb),a._sb=[];else do a.__d=!1,N&&N(t),d=a.render(a.props,a.state,a.context),a.state=a.__s;while(a.__d&&++q<25);a.state=a.__s,a.getChildContext!=null&&(n=L(L({},n),a.getChildContext())),w&&!_&&a.getSnapshotBeforeUpdate!=null&&(v=a.getSnapshotBeforeUpdate(f,$)),F=d!=null&&d.type===ae&&d.key==null?ze(d.props.children):d,u=Ve(e,se(F)?F:[F],t,o,n,s,r,l,u,c,i),a.base=t.__e,t.__u&=-161,a.__h.length&&l.push(a),g&&(a.__E=a.__=null)}catch(j){if(l.length=h,t.__v=null,c||r!=null){if(j.then){for(t.__u|=c?160:128;u&&u.nodeType==8&&u.nextSibling;)u=u.nextSibling;r!=null&&(r[r.indexOf(u)]=null),t.__e=u}else if(r!=null)for($e=r.length;$e--;)ke(r[$e])}else t.__e=o.__e;t.__k==null&&(t.__k=o.__k||[]),j.then||Ye(t),k.__e(j,t,o)}}else r==null&&t.__v==o.__v?(t.__k=o.__k,t.__e=o.__e):u=t.__e=Ot(o.__e,t,o,n,s,r,l,c,i);return(d=k.diffed)&&d(t),128&t.__u?void 0:u}function Ye(e){e&&(e.__c&&(e.__c.__e=!0),e.__k&&e.__k.some(Ye))}function Ge(e,t,o){for(var n=0;n<o.length;n++)Se(o[n],o[++n],o[++n]);k.__c&&k.__c(t,e),e.some(function(s){try{e=s.__h,s.__h=[],e.some(function(r){r.call(s)})}catch(r){k.__e(r,s.__v)}})}function ze(e){return typeof e!="object"||e==null||e.__b>0?e:se(e)?e.map(ze):e.constructor!==void 0?null:L({},e)}function Ot(e,t,o,n,s,r,l,u,c){var i,d,h,a,_,f,$,v=o.props||te,g=t.props,m=t.type;if(m=="svg"?s="http://www.w3.org/2000/svg":m=="math"?s="http://www.w3.org/1998/Math/MathML":s||(s="http://www.w3.org/1999/xhtml"),r!=null){for(i=0;i<r.length;i++)if((_=r[i])&&"setAttribute"in _==!!m&&(m?_.localName==m:_.nodeType==3)){e=_,r[i]=null;break}}if(e==null){if(m==null)return document.createTextNode(g);e=document.createElementNS(s,m,g.is&&g),u&&(k.__m&&k.__m(t,r),u=!1),r=null}if(m==null)v===g||u&&e.data==g||(e.data=g);else{if(r=m=="textarea"&&g.defaultValue!=null?null:r&&re.call(e.childNodes),!u&&r!=null)for(v={},i=0;i<e.attributes.length;i++)v[(_=e.attributes[i]).name]=_.value;for(i in v)_=v[i],i=="dangerouslySetInnerHTML"?h=_:i=="children"||i in g||i=="value"&&"defaultValue"in g||i=="checked"&&"defaultChecked"in g||X(e,i,null,_,s);for(i in g)_=g[i],i=="children"?a=_:i=="dangerouslySetInnerHTML"?d=_:i=="value"?f=_:i=="checked"?$=_:u&&typeof _!="function"||v[i]===_||X(e,i,_,v[i],s);if(d)u||h&&(d.__html==h.__html||d.__html==e.innerHTML)||(e.innerHTML=d.__html),t.__k=[];else if(h&&(e.innerHTML=""),Ve(t.type=="template"?e.content:e,se(a)?a:[a],t,o,n,m=="foreignObject"?"http://www.w3.org/1999/xhtml":s,r,l,r?r[0]:o.__k&&B(o,0),u,c),r!=null)for(i=r.length;i--;)ke(r[i]);u&&m!="textarea"||(i="value",m=="progress"&&f==null?e.removeAttribute("value"):f!=null&&(f!==e[i]||m=="progress"&&!f||m=="option"&&f!=v[i])&&X(e,i,f,v[i],s),i="checked",$!=null&&$!=e[i]&&X(e,i,$,v[i],s))}return e}function Se(e,t,o){try{if(typeof e=="function"){var n=typeof e.__u=="function";n&&e.__u(),n&&t==null||(e.__u=e(t))}else e.current=t}catch(s){k.__e(s,o)}}function Xe(e,t,o){var n,s;if(k.unmount&&k.unmount(e),(n=e.ref)&&(n.current&&n.current!=e.__e||Se(n,null,t)),(n=e.__c)!=null){if(n.componentWillUnmount)try{n.componentWillUnmount()}catch(r){k.__e(r,t)}n.base=n.__P=n.__n=null}if(n=e.__k)for(s=0;s<n.length;s++)n[s]&&Xe(n[s],t,o||typeof e.type!="function");o||ke(e.__e),e.__c=e.__=e.__e=void 0}function Ft(e,t,o){return this.constructor(e,o)}function Qe(e,t,o){var n,s,r,l;t==document&&(t=document.documentElement),k.__&&k.__(e,t),s=(n=typeof o=="function")?null:o&&o.__k||t.__k,r=[],l=[],Ee(t,e=(!n&&o||t).__k=xe(ae,null,[e]),s||te,te,t.namespaceURI,!n&&o?[o]:s?null:t.firstChild?re.call(t.childNodes):null,r,!n&&o?o:s?s.__e:t.firstChild,n,l),Ge(r,e,l),e.props.children=null}re=oe.slice,k={__e:function(e,t,o,n){for(var s,r,l;t=t.__;)if((s=t.__c)&&!s.__)try{if((r=s.constructor)&&r.getDerivedStateFromError!=null&&(s.setState(r.getDerivedStateFromError(e)),l=s.__d),s.componentDidCatch!=null&&(s.componentDidCatch(e,n||{}),l=s.__d),l)return s.__E=s}catch(u){e=u}throw e}},Fe=0,At=function(e){return e!=null&&e.constructor===void 0},ee.prototype.setState=function(e,t){var o;o=this.__s!=null&&this.__s!=this.state?this.__s:this.__s=L({},this.state),typeof e=="function"&&(e=e(L({},o),this.props)),e&&L(o,e),e!=null&&this.__v&&(t&&this._sb.push(t),Ue(this))},ee.prototype.forceUpdate=function(e){this.__v&&(this.__e=!0,e&&this.__h.push(e),Ue(this))},ee.prototype.render=ae,W=[],Be=typeof Promise=="function"?Promise.prototype.then.bind(Promise.resolve()):setTimeout,Ke=function(e,t){return e.__v.__b-t.__v.__b},ne.__r=0,ve=Math.random().toString(8),Q="__d"+ve,J="__a"+ve,qe=/(PointerCapture)$|Capture$/i,we=0,ye=Oe(!1),ge=Oe(!0),Dt=0;var Y,x,Ce,Ze,le=0,it=[],E=k,et=E.__b,tt=E.__r,ot=E.diffed,nt=E.__c,rt=E.unmount,st=E.__;function Pe(e,t){E.__h&&E.__h(x,e,le||t),le=0;var o=x.__H||(x.__H={__:[],__h:[]});return e>=o.__.length&&o.__.push({}),o.__[e]}function b(e){return le=1,Bt(ct,e)}function Bt(e,t,o){var n=Pe(Y++,2);if(n.t=e,!n.__c&&(n.__=[o?o(t):ct(void 0,t),function(u){var c=n.__N?n.__N[0]:n.__[0],i=n.t(c,u);c!==i&&(n.__N=[i,n.__[1]],n.__c.setState({}))}],n.__c=x,!x.__f)){var s=function(u,c,i){if(!n.__c.__H)return!0;var d=!1,h=n.__c.props!==u;if(n.__c.__H.__.some(function(_){if(_.__N){d=!0;var f=_.__[0];_.__=_.__N,_.__N=void 0,f!==_.__[0]&&(h=!0)}}),r){var a=r.call(this,u,c,i);return d?a||h:a}return!d||h};x.__f=!0;var r=x.shouldComponentUpdate,l=x.componentWillUpdate;x.componentWillUpdate=function(u,c,i){if(this.__e){var d=r;r=void 0,s(u,c,i),r=d}l&&l.call(this,u,c,i)},x.shouldComponentUpdate=s}return n.__N||n.__}function I(e,t){var o=Pe(Y++,3);!E.__s&&lt(o.__H,t)&&(o.__=e,o.u=t,x.__H.__h.push(o))}function D(e){return le=5,K(function(){return{current:e}},[])}function K(e,t){var o=Pe(Y++,7);return lt(o.__H,t)&&(o.__=e(),o.__H=t,o.__h=e),o.__}function Kt(){for(var e;e=it.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(ie),t.__h.some(Re),t.__h=[]}catch(o){t.__h=[],E.__e(o,e.__v)}}}E.__b=function(e){x=null,et&&et(e)},E.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),st&&st(e,t)},E.__r=function(e){tt&&tt(e),Y=0;var t=(x=e.__c).__H;t&&(Ce===x?(t.__h=[],x.__h=[],t.__.some(function(o){o.__N&&(o.__=o.__N),o.u=o.__N=void 0})):(t.__h.some(ie),t.__h.some(Re),t.__h=[],Y=0)),Ce=x},E.diffed=function(e){ot&&ot(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&(it.push(t)!==1&&Ze===E.requestAnimationFrame||((Ze=E.requestAnimationFrame)||qt)(Kt)),t.__H.__.some(function(o){o.u&&(o.__H=o.u,o.u=void 0)})),Ce=x=null},E.__c=function(e,t){t.some(function(o){try{o.__h.some(ie),o.__h=o.__h.filter(function(n){return!n.__||Re(n)})}catch(n){t.some(function(s){s.__h&&(s.__h=[])}),t=[],E.__e(n,o.__v)}}),nt&&nt(e,t)},E.unmount=function(e){rt&&rt(e);var t,o=e.__c;o&&o.__H&&(o.__H.__.some(function(n){try{ie(n)}catch(s){t=s}}),o.__H=void 0,t&&E.__e(t,o.__v))};var at=typeof requestAnimationFrame=="function";function qt(e){var t,o=function(){clearTimeout(n),at&&cancelAnimationFrame(t),setTimeout(e)},n=setTimeout(o,35);at&&(t=requestAnimationFrame(o))}function ie(e){var t=x,o=e.__c;typeof o=="function"&&(e.__c=void 0,o()),x=t}function Re(e){var t=x;e.__c=e.__(),x=t}function lt(e,t){return!e||e.length!==t.length||t.some(function(o,n){return o!==e[n]})}function ct(e,t){return typeof t=="function"?t(e):t}var dt=function(e,t,o,n){var s;t[0]=0;for(var r=1;r<t.length;r++){var l=t[r++],u=t[r]?(t[0]|=l?1:2,o[t[r++]]):t[++r];l===3?n[0]=u:l===4?n[1]=Object.assign(n[1]||{},u):l===5?(n[1]=n[1]||{})[t[++r]]=u:l===6?n[1][t[++r]]+=u+"":l?(s=e.apply(u,dt(e,u,o,["",null])),n.push(s),u[0]?t[0]|=2:(t[r-2]=0,t[r]=s)):n.push(u)}return n},ut=new Map;function _t(e){var t=ut.get(this);return t||(t=new Map,ut.set(this,t)),(t=dt(this,t.get(e)||(t.set(e,t=(function(o){for(var n,s,r=1,l="",u="",c=[0],i=function(a){r===1&&(a||(l=l.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?c.push(0,a,l):r===3&&(a||l)?(c.push(3,a,l),r=2):r===2&&l==="..."&&a?c.push(4,a,0):r===2&&l&&!a?c.push(5,0,!0,l):r>=5&&((l||!a&&r===5)&&(c.push(r,0,l,s),r=6),a&&(c.push(r,a,0,s),r=6)),l=""},d=0;d<o.length;d++){d&&(r===1&&i(),i(d));for(var h=0;h<o[d].length;h++)n=o[d][h],r===1?n==="<"?(i(),c=[c],r=3):l+=n:r===4?l==="--"&&n===">"?(r=1,l=""):l=n+l[0]:u?n===u?u="":l+=n:n==='"'||n==="'"?u=n:n===">"?(i(),r=1):r&&(n==="="?(r=5,s=l,l=""):n==="/"&&(r<5||o[d][h+1]===">")?(i(),r===3&&(c=c[0]),r=c,(c=c[0]).push(2,0,r),r=0):n===" "||n==="	"||n===`
`||n==="\r"?(i(),r=2):l+=n),r===3&&l==="!--"&&(r=4,c=c[0])}return i(),c})(e)),t),arguments,[])).length>1?t:t[0]}var p=_t.bind(xe);var G=["participant.joined","participant.left","session.started","session.closed","user.created","user.updated","user.deleted"];function pt({rate:e=10,burst:t=20}={}){let o=t,n=performance.now(),s=0,r=null,l=[],u=()=>{r=null;let c=performance.now();for(o=Math.min(t,o+(c-n)*e/1e3),n=c;l.length&&c>=s&&o>=1;)o-=1,l.shift()();if(l.length){let i=Math.max(s-c,(1-o)*1e3/e);r=setTimeout(u,Math.ceil(i))}};return{take(){return new Promise(c=>{l.push(c),r||u()})},pause(c){s=Math.max(s,performance.now()+c),o=0,r&&clearTimeout(r),u()}}}function ht(e){let t=`collabkit-events:${e.accountId}`,o=new Set,n=new Set,s=null,r=null,l=c=>{if(c){if(n.has(c.id))return;n.add(c.id),n.size>500&&n.delete(n.values().next().value)}for(let i of[...o])(!c||!i.roomId||i.roomId===c.room_id)&&i.handler(c)};function u(){let c=new AbortController,i=typeof BroadcastChannel=="function"?new BroadcastChannel(t):null,d=null;i?.addEventListener("message",({data:f})=>{f.cursor&&(d=f.cursor),"event"in f&&l(f.event)});let h=i&&!navigator.locks?Yt(i,c.signal,_):null,a=f=>i?.postMessage(h?{...f,peer:h.me}:f);async function _(f,$){let v=m=>f.aborted||a(m);$&&!d&&(v({event:null}),l(null));let g=500;for(;!f.aborted;){try{await e.stream(d,m=>{if(!m.data){h&&v({});return}let w;try{w=JSON.parse(m.data)}catch{return}d=m.id??d,v({cursor:d,event:w}),l(w),g=500},f)}catch(m){m.retryAfter&&(g=Math.max(g,m.retryAfter))}if(f.aborted)break;await new Promise(m=>{let w=setTimeout(m,g);f.addEventListener("abort",()=>(clearTimeout(w),m()),{once:!0})}),g=Math.min(g*2,1e4)}}return i?h||(async()=>{await navigator.locks.request(t,{ifAvailable:!0},async $=>$?(await _(c.signal,!1),!0):!1)||c.signal.aborted||await navigator.locks.request(t,{signal:c.signal},()=>_(c.signal,!0))})().catch(()=>{}):_(c.signal,!1),()=>{c.abort(),i?.close()}}return{subscribe(c,i){let d={handler:c,roomId:i};return o.add(d),clearTimeout(r),s??(s=u()),()=>{o.delete(d),!o.size&&(clearTimeout(r),r=setTimeout(()=>{o.size||!s||(s(),s=null,n.clear())},2e3))}}}}var jt=25e3,Vt=5e3,Jt=300;function Yt(e,t,o){let n=`${Date.now().toString(36).padStart(9,"0")}.${Math.random().toString(36).slice(2,10)}`,s=new Map,r=!1,l=null,u=!1,c=()=>{let _=performance.now(),f=n;for(let[$,v]of s)_-v>jt?s.delete($):$<f&&(f=$);return f},i=()=>{if(!r||t.aborted)return;let _=c()===n;if(_&&!l){let f=new AbortController;l=f,o(f.signal,u).finally(()=>{l===f&&(l=null)})}else!_&&l&&(l.abort(),l=null)},d=_=>{try{e.postMessage({..._,peer:n})}catch{}};e.addEventListener("message",({data:_})=>{_.bye?s.delete(_.bye):_.peer&&(s.set(_.peer,performance.now()),u=!0,_.hello&&d({})),i()});let h=()=>d({bye:n}),a=setInterval(()=>{d({}),i()},Vt);return window.addEventListener("pagehide",h),d({hello:!0}),setTimeout(()=>{r=!0,i()},Jt),t.addEventListener("abort",()=>{clearInterval(a),window.removeEventListener("pagehide",h),l?.abort(),h()},{once:!0}),{me:n}}var U=class extends Error{constructor(t,o,n){super(n),this.status=t,this.code=o}},Gt="The server could not be reached. Is `collabkit serve` still running at this address?";function zt(e,t){let o=new TextEncoder().encode(`${e}:${t}`),n="";for(let s of o)n+=String.fromCharCode(s);return btoa(n)}function z(e){return typeof e=="string"&&e.length>0&&e.length<=256&&e!=="."&&e!==".."&&!/[\u0000-\u001f\u007f]/.test(e)}function C(e,...t){return e.reduce((o,n,s)=>{let r=t[s-1];if(!z(String(r)))throw new U(0,"invalid_id",`"${r}" is not a valid id.`);return o+encodeURIComponent(String(r))+n})}var Xt=3,ft=e=>Math.min(60,Math.max(1,Number(e.headers.get("retry-after"))||1))*1e3;function Te(e,t,o){let n=`/v1/accounts/${encodeURIComponent(e)}`,s={authorization:`Bearer ${zt(e,t)}`},r=pt();async function l(i,d){for(let h=0;;h++){await r.take();let a=await fetch(i,d);if(a.status!==429||h===Xt)return a;r.pause(ft(a)),await a.body?.cancel()}}async function u(i,d,h){let a;try{a=await l(n+d,{method:i,headers:h===void 0?s:{...s,"content-type":"application/json"},body:h===void 0?void 0:JSON.stringify(h)})}catch{throw new U(0,"unreachable",Gt)}if(a.status===204)return null;let _=null;try{_=await a.json()}catch{}if(!a.ok){let f=_?.error,$=new U(a.status,f?.code??"http_error",f?.message??`The server answered ${a.status} ${a.statusText}.`);throw a.status===401&&o&&o($),$}return _?.data}let c={accountId:e,get:i=>u("GET",i),post:(i,d)=>u("POST",i,d??{}),patch:(i,d)=>u("PATCH",i,d),del:i=>u("DELETE",i),async stream(i,d,h){let a=new URLSearchParams;i&&a.set("cursor",i);let _=await l(`${n}/events/stream?${a}`,{headers:s,signal:h});if(!_.ok||!_.body){let v=new U(_.status,"stream_failed",`The event stream answered ${_.status}.`);throw(_.status===429||_.status===503)&&(v.retryAfter=ft(_)),await _.body?.cancel(),_.status===401&&o&&o(v),v}let f=_.body.pipeThrough(new TextDecoderStream).getReader(),$="";for(;;){let{value:v,done:g}=await f.read();if(g)return;$+=v;let m;for(;(m=$.indexOf(`

`))>=0;){let w=$.slice(0,m);$=$.slice(m+2);let y={};for(let S of w.split(`
`)){let N=S.indexOf(":");if(N<=0)continue;let q=S.slice(0,N),F=S.slice(N+1).replace(/^ /,"");y[q]=y[q]?`${y[q]}
${F}`:F}d(y)}}}};return c.events=ht(c),c}async function mt(e,t){if(!z(e))throw new U(0,"invalid_id","That is not an account id (they look like `acct_\u2026`).");let o=Te(e,t);try{await o.get("/webhooks?limit=1")}catch(n){throw n.status===401||n.status===403||n.status===404?new U(n.status,n.code,"That account id and API key do not match. Check both (the key was printed once when the account was created; `collabkit accounts rotate-key` makes a new one)."):n}return o}function ce(e,t=250,o=1e3){let n=null,s=0,r=()=>{let l=performance.now();s||(s=l),clearTimeout(n),n=setTimeout(()=>{n=null,s=0,e()},Math.max(0,Math.min(t,s+o-l)))};return r.cancel=()=>{clearTimeout(n),n=null,s=0},r}function bt(e){let t=null,o=null,n=()=>t?(o??(o=t.catch(()=>{}).then(()=>(o=null,n()))),o):(t=Promise.resolve().then(e).finally(()=>{t=null}),t);return n}function R(e,t,o){let[n,s]=b({data:void 0,error:null}),r=D(e);r.current=e;let l=D(0),u=K(()=>{let c=bt(async()=>{let i=l.current;try{let d=await r.current();return i===l.current&&s({data:d,error:null}),d}catch(d){i===l.current&&s(h=>({data:h.data,error:d}));return}});return{reload:c,refresh:ce(c)}},[]);return I(()=>{l.current+=1,s({data:void 0,error:null}),u.reload();let c=o?setInterval(()=>{document.visibilityState==="visible"&&u.reload()},o):null;return()=>{clearInterval(c),u.refresh.cancel()}},t),{...n,...u}}function Ie(e,t,o){let n=D(t);n.current=t,I(()=>e.events.subscribe(s=>n.current(s),o),[e,o])}function P({error:e}){return e?p`<p class="error" role="alert">${e.message}</p>`:null}function $t({status:e}){let t={success:"Succeeded",failed:"Failed",pending:"Pending"}[e]??e;return p`<span class="badge badge-${e}">${t}</span>`}function M({children:e}){return p`<div class="empty">${e}</div>`}function ue({secret:e,title:t,onDone:o}){let[n,s]=b(!1),r=D(null);return p`
    <section class="secret" role="alert" aria-labelledby="secret-title">
      <h3 id="secret-title">${t}</h3>
      <p><strong>Copy this signing secret now: it is shown only once.</strong> Your receiver
        needs it to check signatures; if you lose it, rotate the secret to get a new one.</p>
      <div class="secret-row">
        <code ref=${r} data-testid="secret">${e}</code>
        <button type="button" onClick=${async()=>{try{await navigator.clipboard.writeText(e),s(!0)}catch{let u=document.createRange();u.selectNodeContents(r.current);let c=window.getSelection();c.removeAllRanges(),c.addRange(u)}}}>${n?"Copied":"Copy secret"}</button>
      </div>
      <p class="muted" aria-live="polite">${n?"The secret is on your clipboard.":""}</p>
      <button type="button" class="secondary" onClick=${o}>I have stored it</button>
    </section>`}function Me({open:e,title:t,children:o,confirmLabel:n,onConfirm:s,onCancel:r}){let l=D(null);return I(()=>{let u=l.current;u&&(e&&!u.open&&u.showModal(),!e&&u.open&&u.close())},[e]),p`
    <dialog ref=${l} aria-labelledby="confirm-title" onCancel=${u=>{u.preventDefault(),r()}}>
      <h3 id="confirm-title">${t}</h3>
      <div>${o}</div>
      <div class="actions">
        <button type="button" class="secondary" onClick=${r}>Cancel</button>
        <button type="button" class="danger" onClick=${s}>${n}</button>
      </div>
    </dialog>`}var Qt=new Intl.DateTimeFormat(void 0,{year:"numeric",month:"short",day:"numeric",hour:"2-digit",minute:"2-digit",second:"2-digit"}),Zt=new Intl.DateTimeFormat(void 0,{hour:"2-digit",minute:"2-digit"}),V=e=>e?Qt.format(new Date(e)):"\u2014",de=e=>Zt.format(new Date(e));function Ne(e){if(!e)return"never";let t=Math.round((Date.now()-new Date(e).getTime())/1e3);return t<60?"just now":t<3600?`${Math.floor(t/60)} min ago`:t<86400?`${Math.floor(t/3600)} h ago`:`${Math.floor(t/86400)} d ago`}var _e=e=>e==null?"\u2014":`${(e*100).toFixed(e>=.999||e===0?0:1)} %`,H=e=>e==null?"\u2014":e>=1e3?`${(e/1e3).toFixed(e>=1e4?0:1)} s`:`${e} ms`;function pe(e){try{return JSON.stringify(JSON.parse(e),null,2)}catch{return e}}function vt(e){let t=o=>String(o).padStart(2,"0");return`${e.getFullYear()}-${t(e.getMonth()+1)}-${t(e.getDate())}T${t(e.getHours())}:${t(e.getMinutes())}`}var he=160,T={left:44,right:8,top:10,bottom:22},O=he-T.top-T.bottom,yt="(max-width: 600px)";function gt(){let[e,t]=b(()=>matchMedia(yt).matches);I(()=>{let n=matchMedia(yt),s=()=>t(n.matches);return n.addEventListener("change",s),()=>n.removeEventListener("change",s)},[]);let o=e?360:600;return[o,o-T.left-T.right]}function wt(e){if(e<=4)return 4;let t=10**Math.floor(Math.log10(e));for(let o of[1,2,2.5,5,10])if(o*t>=e)return o*t;return 10*t}function kt({W:e,plotW:t,minutes:o,max:n,unit:s}){let r=[0,n/2,n],l=Math.max(1,Math.round(o.length/(e<600?3:4)));return p`
    <g class="axis" aria-hidden="true">
      ${r.map(u=>{let c=T.top+O-u/n*O;return p`<line x1=${T.left} x2=${e-T.right} y1=${c} y2=${c} class="grid" />
          <text x=${T.left-6} y=${c+4} text-anchor="end">${s(u)}</text>`})}
      ${o.map((u,c)=>c%l===0?p`<text x=${T.left+(c+.5)*(t/o.length)} y=${he-6} text-anchor="middle">${de(u.start)}</text>`:null)}
    </g>`}function fe({minutes:e}){let[t,o]=gt();if(!e)return p`<div class="chart chart-placeholder" aria-busy="true"></div>`;let n=e.reduce((i,d)=>i+d.succeeded,0),s=e.reduce((i,d)=>i+d.failed,0),r=wt(Math.max(...e.map(i=>i.succeeded+i.failed))),l=o/e.length,u=i=>i/r*O,c=`Attempts per minute over the last ${e.length} minutes: ${n} succeeded, ${s} failed.`;return p`
    <figure class="chart">
      <svg viewBox="0 0 ${t} ${he}" role="img" aria-label=${c}>
        <${kt} W=${t} plotW=${o} minutes=${e} max=${r} unit=${i=>String(Math.round(i))} />
        ${e.map((i,d)=>{let h=T.left+d*l+l*.15,a=u(i.succeeded),_=u(i.failed),f=T.top+O;return p`<g>
            <title>${de(i.start)}: ${i.succeeded} succeeded, ${i.failed} failed</title>
            ${i.succeeded?p`<rect class="ok" x=${h} width=${l*.7} y=${f-a} height=${a} />`:null}
            ${i.failed?p`<rect class="fail" x=${h} width=${l*.7} y=${f-a-_} height=${_} />`:null}
          </g>`})}
      </svg>
      <figcaption>
        <span class="key ok"></span> succeeded (${n}) <span class="key fail"></span> failed (${s})
      </figcaption>
    </figure>`}function me({minutes:e}){let[t,o]=gt();if(!e)return p`<div class="chart chart-placeholder" aria-busy="true"></div>`;let n=e.flatMap(i=>[i.p50_ms,i.p99_ms]).filter(i=>i!=null),s=wt(Math.max(1,...n)),r=o/e.length,l=i=>{let d="",h=!1;return e.forEach((a,_)=>{let f=a[i];if(f==null){h=!1;return}let $=T.left+(_+.5)*r,v=T.top+O-f/s*O;d+=`${h?"L":"M"}${$.toFixed(1)},${v.toFixed(1)}`,h=!0}),d},u=[...e].reverse().find(i=>i.p50_ms!=null),c=u?`Attempt latency: latest minute with attempts p50 ${H(u.p50_ms)}, p99 ${H(u.p99_ms)}.`:"Attempt latency: no attempts in this window.";return p`
    <figure class="chart">
      <svg viewBox="0 0 ${t} ${he}" role="img" aria-label=${c}>
        <${kt} W=${t} plotW=${o} minutes=${e} max=${s} unit=${i=>H(Math.round(i))} />
        <path class="p99" d=${l("p99_ms")} />
        <path class="p50" d=${l("p50_ms")} />
        ${e.map((i,d)=>i.p50_ms==null?null:p`<circle class="p99" cx=${T.left+(d+.5)*r} cy=${T.top+O-i.p99_ms/s*O} r="2.5"><title>${de(i.start)}: p50 ${H(i.p50_ms)}, p99 ${H(i.p99_ms)}</title></circle>`)}
      </svg>
      <figcaption><span class="key p50"></span> p50 <span class="key p99"></span> p99</figcaption>
    </figure>`}function be({api:e,initial:t,submitLabel:o,onSubmit:n,onCancel:s}){let[r,l]=b(t?.url??""),[u,c]=b(t?.events??["user.created"]),[i,d]=b(t?.room_id??""),[h,a]=b(t?.enabled??!0),[_,f]=b(null),[$,v]=b(!1),g=R(()=>e.get("/rooms?limit=200"),[e]),m=y=>c(S=>S.includes(y)?S.filter(N=>N!==y):[...S,y]);return p`
    <form class="panel form" onSubmit=${async y=>{if(y.preventDefault(),u.length===0){f(new Error("Pick at least one event."));return}v(!0),f(null);try{await n({url:r.trim(),events:u,room_id:i||null,enabled:h})}catch(S){f(S)}finally{v(!1)}}} aria-busy=${$}>
      <label for="wh-url">Receiver URL</label>
      <input id="wh-url" type="url" required placeholder="https://example.com/webhooks/collabkit"
        value=${r} onInput=${y=>l(y.target.value)} />
      <fieldset>
        <legend>Events</legend>
        <div class="checks">
          ${G.map(y=>p`<label class="check">
              <input type="checkbox" checked=${u.includes(y)} onChange=${()=>m(y)} />
              <code>${y}</code>
            </label>`)}
        </div>
      </fieldset>
      <label for="wh-room">Room</label>
      <select id="wh-room" value=${i} onChange=${y=>d(y.target.value)}>
        <option value="">Every room of the account</option>
        ${(g.data?.rooms??[]).map(y=>p`<option value=${y.id}>${y.name} (${y.customId})</option>`)}
        ${i&&!(g.data?.rooms??[]).some(y=>y.id===i)?p`<option value=${i}>${i}</option>`:null}
      </select>
      <label class="check">
        <input type="checkbox" checked=${h} onChange=${y=>a(y.target.checked)} />
        Enabled (deliveries are sent)
      </label>
      <${P} error=${_} />
      <div class="actions">
        ${s?p`<button type="button" class="secondary" onClick=${s}>Cancel</button>`:null}
        <button type="submit" disabled=${$}>${o}</button>
      </div>
    </form>`}function Ae({health:e}){return!e||e.last_outcome==null?p`<span class="muted">No attempts in 24 h</span>`:e.last_outcome==="failed"?p`<span class="badge badge-failed">Failing</span> <span class="muted">since ${Ne(e.failing_since)}</span>`:p`<span class="badge badge-success">Succeeded</span> <span class="muted">${Ne(e.last_attempt_minute)}</span>`}function De({api:e,reloadKey:t}){let o=R(async()=>{let[n,s]=await Promise.all([e.get("/webhooks?limit=200"),e.get("/stats/webhooks?limit=200")]),r=new Map(s.webhooks.map(l=>[l.webhook_id,l]));return n.webhooks.map(l=>({...l,health:r.get(l.id)}))},[e,t],1e4);return o.data===void 0&&!o.error?p`<div class="table-placeholder" aria-busy="true">Loading webhooks…</div>`:o.data?.length===0?p`<${M}>
      <p>No webhooks yet. Register a URL and CollabKit will send it signed events as they happen.</p>
      <a class="button" href="#/webhooks/new">Create a webhook</a>
    <//>`:p`
    <${P} error=${o.error} />
    <div class="table-wrap">
      <table class="cards">
        <caption class="visually-hidden">Webhooks with their latest outcome and success rate</caption>
        <thead><tr><th scope="col">Receiver</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Latest attempt</th><th scope="col">Success (24 h)</th></tr></thead>
        <tbody>
          ${(o.data??[]).map(n=>p`<tr>
              <td class="url"><a href=${`#/webhooks/${encodeURIComponent(n.id)}`}>${n.url}</a>${n.room_id?p`<div class="muted">room ${n.room_id}</div>`:null}</td>
              <td data-label="Events">${n.events.length===7?"all 7":n.events.join(", ")}</td>
              <td data-label="Status">${n.enabled?p`<span class="badge badge-on">Enabled</span>`:p`<span class="badge badge-off">Disabled</span>`}</td>
              <td data-label="Latest attempt"><${Ae} health=${n.health} /></td>
              <td data-label="Success (24 h)">${_e(n.health?.success_rate_24h)} <span class="muted">${n.health?.attempts_24h?`of ${n.health.attempts_24h}`:""}</span></td>
            </tr>`)}
        </tbody>
      </table>
    </div>`}function xt({api:e,creating:t}){let[o,n]=b(null),[s,r]=b(0),l=async u=>{let c=await e.post("/webhooks",u);n(c.webhook),r(i=>i+1),location.hash="#/webhooks"};return p`
    <div class="title-row">
      <h1>Webhooks</h1>
      ${t?null:p`<a class="button" href="#/webhooks/new">New webhook</a>`}
    </div>
    ${o?p`<${ue} title=${`Webhook created for ${o.url}`} secret=${o.secret} onDone=${()=>n(null)} />`:null}
    ${t?p`<section aria-labelledby="new-title"><h2 id="new-title">New webhook</h2>
          <${be} api=${e} submitLabel="Create webhook" onSubmit=${l} onCancel=${()=>location.hash="#/webhooks"} />
        </section>`:null}
    <${De} api=${e} reloadKey=${s} />`}function Et({api:e}){let t=R(()=>e.get("/stats/deliveries?minutes=60"),[e],1e4);return p`
    <h1>Overview</h1>
    <section aria-labelledby="charts-title">
      <h2 id="charts-title">The last hour</h2>
      <${P} error=${t.error} />
      <div class="charts">
        <div class="panel">
          <h3>Delivery attempts per minute</h3>
          <${fe} minutes=${t.data?.minutes} />
        </div>
        <div class="panel">
          <h3>Attempt latency</h3>
          <${me} minutes=${t.data?.minutes} />
        </div>
      </div>
    </section>
    <section aria-labelledby="health-title">
      <h2 id="health-title">Webhooks</h2>
      <${De} api=${e} />
    </section>`}function St({api:e,id:t}){let o=R(async()=>{let[{webhook:_},f]=await Promise.all([e.get(C`/webhooks/${t}`),e.get(C`/stats/webhooks?webhook_id=${t}`)]);return{webhook:_,health:f.webhooks.find($=>$.webhook_id===t)}},[e,t],1e4),[n,s]=b(!1),[r,l]=b(null),[u,c]=b(null),[i,d]=b(null);if(o.error?.status===404)return p`<h1>Webhook not found</h1><${M}><p>It may have been deleted.</p><a href="#/webhooks">All webhooks</a><//>`;let h=o.data?.webhook,a=async _=>{d(null);try{await _(),await o.reload()}catch(f){d(f)}};return p`
    <p class="crumbs"><a href="#/webhooks">Webhooks</a> ›</p>
    <h1 class="url">${h?.url??"Webhook"}</h1>
    <${P} error=${i??o.error} />
    ${r?p`<${ue} title="New signing secret" secret=${r} onDone=${()=>l(null)} />`:null}
    ${h?p`
        <div class="panel facts">
          <dl>
            <dt>Status</dt><dd>${h.enabled?p`<span class="badge badge-on">Enabled</span>`:p`<span class="badge badge-off">Disabled</span>`}</dd>
            <dt>Latest attempt</dt><dd><${Ae} health=${o.data.health} /></dd>
            <dt>Success (24 h)</dt><dd>${_e(o.data.health?.success_rate_24h)}</dd>
            <dt>Events</dt><dd>${h.events.map(_=>p`<code class="tag">${_}</code> `)}</dd>
            <dt>Room</dt><dd>${h.room_id??"Every room"}</dd>
            <dt>Id</dt><dd><code>${h.id}</code></dd>
          </dl>
          <div class="actions">
            <button type="button" class="secondary" onClick=${()=>s(!n)} aria-expanded=${n}>Edit</button>
            <button type="button" class="secondary" onClick=${()=>a(()=>e.patch(C`/webhooks/${t}`,{enabled:!h.enabled}))}>${h.enabled?"Disable":"Enable"}</button>
            <button type="button" class="secondary" onClick=${()=>c("rotate")}>Rotate secret</button>
            <button type="button" class="danger" onClick=${()=>c("delete")}>Delete</button>
          </div>
        </div>
        ${n?p`<section aria-labelledby="edit-title"><h2 id="edit-title">Edit webhook</h2>
              <${be} api=${e} initial=${h} submitLabel="Save changes"
                onSubmit=${async _=>{await e.patch(C`/webhooks/${t}`,_),s(!1),await o.reload()}}
                onCancel=${()=>s(!1)} /></section>`:null}`:p`<div class="panel facts placeholder" aria-busy="true"></div>`}
    <${Me} open=${u==="delete"} title="Delete this webhook?" confirmLabel="Delete webhook"
      onCancel=${()=>c(null)}
      onConfirm=${async()=>{c(null);try{await e.del(C`/webhooks/${t}`),location.hash="#/webhooks"}catch(_){d(_)}}}>
      <p>Its deliveries and their log are deleted with it, and nothing more is sent to <code>${h?.url}</code>.</p>
    <//>
    <${Me} open=${u==="rotate"} title="Rotate the signing secret?" confirmLabel="Rotate secret"
      onCancel=${()=>c(null)}
      onConfirm=${()=>{c(null),a(async()=>l((await e.post(C`/webhooks/${t}/rotate-secret`)).webhook.secret))}}>
      <p>Deliveries are signed with the new secret and, for 24 hours, also with the old one, so you can update your receiver without losing any.</p>
    <//>
    <${eo} api=${e} id=${t} />
    <${to} api=${e} id=${t} />`}function eo({api:e,id:t}){let o=R(()=>e.get(`/stats/deliveries?${new URLSearchParams({minutes:"60",webhook_id:t})}`),[e,t],1e4);return p`
    <section aria-labelledby="wh-charts-title">
      <h2 id="wh-charts-title">The last hour</h2>
      <${P} error=${o.error} />
      <div class="charts">
        <div class="panel"><h3>Attempts per minute</h3><${fe} minutes=${o.data?.minutes} /></div>
        <div class="panel"><h3>Attempt latency</h3><${me} minutes=${o.data?.minutes} /></div>
      </div>
    </section>`}function to({api:e,id:t}){let[o,n]=b(""),[s,r]=b(""),[l,u]=b([]),[c,i]=b(void 0),[d,h]=b(null),a=()=>{let m=new URLSearchParams({limit:"25"});return o&&m.set("status",o),s&&m.set("event",s),m},_=R(async()=>await e.get(`${C`/webhooks/${t}/deliveries`}?${a()}`),[e,t,o,s],3e3),f=[..._.data?.deliveries??[],...l.filter(m=>!(_.data?.deliveries??[]).some(w=>w.id===m.id))],$=c===void 0?_.data?.next_cursor:c,v=async()=>{let m=a();m.set("cursor",$);let w=await e.get(`${C`/webhooks/${t}/deliveries`}?${m}`);u(y=>[...y,...w.deliveries]),i(w.next_cursor)},g=m=>w=>{m(w.target.value),u([]),i(void 0)};return p`
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries</h2>
      <div class="filters">
        <label>Status
          <select value=${o} onChange=${g(n)}>
            <option value="">Any</option><option value="pending">Pending</option>
            <option value="success">Succeeded</option><option value="failed">Failed</option>
          </select>
        </label>
        <label>Event
          <select value=${s} onChange=${g(r)}>
            <option value="">Any</option>
            ${G.map(m=>p`<option value=${m}>${m}</option>`)}
          </select>
        </label>
      </div>
      <${ro} api=${e} id=${t} onDone=${_.reload} />
      <${P} error=${_.error} />
      ${_.data===void 0&&!_.error?p`<div class="table-placeholder" aria-busy="true">Loading deliveries…</div>`:f.length===0?p`<${M}><p>${o||s?"No deliveries match these filters.":"No deliveries yet. They appear here as soon as a subscribed event happens (create a user, say)."}</p><//>`:p`<ul class="deliveries" aria-label="Deliveries, newest first">
              ${f.map(m=>p`<${oo} key=${m.id} api=${e} id=${t} d=${m} open=${d===m.id}
                onToggle=${()=>h(d===m.id?null:m.id)} onRetried=${_.reload} />`)}
            </ul>`}
      ${$?p`<button type="button" class="secondary" onClick=${v}>Load older deliveries</button>`:null}
    </section>`}function oo({api:e,id:t,d:o,open:n,onToggle:s,onRetried:r}){return p`
    <li class="delivery" data-status=${o.status}>
      <button type="button" class="row" aria-expanded=${n} onClick=${s}>
        <${$t} status=${o.status} />
        <code>${o.event}</code>
        <span class="muted">${V(o.created_at)}</span>
        <span class="muted">${o.attempts} attempt${o.attempts===1?"":"s"}${o.status_code?`, HTTP ${o.status_code}`:""}</span>
        ${o.next_retry_at&&o.status==="pending"?p`<span class="muted">next try ${V(o.next_retry_at)}</span>`:null}
      </button>
      ${n?p`<${no} api=${e} id=${t} d=${o} onRetried=${r} />`:null}
    </li>`}function no({api:e,id:t,d:o,onRetried:n}){let s=R(()=>e.get(C`/webhooks/${t}/deliveries/${o.id}/attempts`),[e,t,o.id,o.attempts]),[r,l]=b(null),[u,c]=b(!1);return p`
    <div class="detail">
      <div class="actions">
        <button type="button" onClick=${async()=>{l(null);try{await e.post(C`/webhooks/${t}/deliveries/${o.id}/retry`),c(!0),n()}catch(d){l(d)}}}>Retry delivery</button>
        <span class="muted" aria-live="polite">${u?"Scheduled: it is attempted again now.":""}</span>
      </div>
      <${P} error=${r??s.error} />
      <h3>Attempts</h3>
      ${s.data?.attempts?.length===0?p`<p class="muted">Not attempted yet.</p>`:p`<div class="table-wrap"><table class="attempts">
            <thead><tr><th scope="col">Time</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Error</th><th scope="col">Response body</th></tr></thead>
            <tbody>${(s.data?.attempts??[]).map(d=>p`<tr>
                <td>${V(d.attempted_at)}</td>
                <td>${d.status_code??"\u2014"}</td>
                <td>${H(d.duration_ms)}</td>
                <td>${d.error??""}</td>
                <td><code class="body">${d.response_body||""}</code></td>
              </tr>`)}</tbody>
          </table></div>`}
      <h3>Payload</h3>
      <pre class="payload" tabindex="0" aria-label="Payload">${pe(o.payload)}</pre>
    </div>`}function ro({api:e,id:t,onDone:o}){let[n,s]=b(vt(new Date(Date.now()-36e5))),[r,l]=b(null),[u,c]=b(null);return p`
    <form class="recover" onSubmit=${async d=>{d.preventDefault(),c(null);try{let h=await e.post(C`/webhooks/${t}/recover`,{since:new Date(n).toISOString()});l(`${h.scheduled} failed deliver${h.scheduled===1?"y":"ies"} scheduled again.`),o()}catch(h){c(h)}}}>
      <label for="recover-since">Retry everything that failed since</label>
      <input id="recover-since" type="datetime-local" required value=${n} onInput=${d=>s(d.target.value)} />
      <button type="submit" class="secondary">Retry failed</button>
      <span class="muted" aria-live="polite">${r??""}</span>
      <${P} error=${u} />
    </form>`}var Ct=e=>`#/rooms/${encodeURIComponent(e)}`,Rt=e=>!e||/^(participant|session)\./.test(e.event);function so(e){let[t,o]=b({}),n=D(null);return n.current??(n.current=(()=>{let s=new Set,r=new Set,l=new Set,u=new Set,c=!1,i=a=>s.has(a)&&(!l.has(a)||r.has(a)),d=async a=>{if(!(u.has(a)||!i(a))){u.add(a),r.delete(a);try{let _=await e.get(C`/rooms/${a}/participants`);if(c)return;o(f=>({...f,[a]:_.participants}))}catch{}finally{l.add(a),u.delete(a)}c||d(a)}},h=typeof IntersectionObserver=="function"?new IntersectionObserver(a=>{for(let _ of a){let f=_.target.dataset.room;_.isIntersecting?(s.add(f),d(f)):s.delete(f)}},{rootMargin:"200px"}):null;return{watch(a){return h?h.observe(a):(s.add(a.dataset.room),d(a.dataset.room)),()=>{h?.unobserve(a),s.delete(a.dataset.room)}},stale(a){if(a)r.add(a);else for(let _ of l)r.add(_)},flush(a){for(let _ of s)(!a||a.has(_))&&d(_)},stop(){c=!0,h?.disconnect()}}})()),I(()=>()=>n.current.stop(),[]),[t,n.current]}function Pt({participants:e}){return e===void 0?p`<span class="muted">…</span>`:e.length===0?p`<span class="muted">Nobody connected</span>`:p`<ul class="people">
    ${e.map(t=>p`<li><span class="dot" aria-hidden="true"></span>${t.user.name}
        <span class="muted">${t.connections>1?` (${t.connections} connections)`:""}</span></li>`)}
  </ul>`}function ao({room:e,participants:t,rooms:o}){let n=D(null);return I(()=>o.watch(n.current),[e.id]),p`<li class="panel room" data-room=${e.id} ref=${n}>
    <h2><a href=${Ct(e.id)}>${e.name}</a> <span class="muted">${e.customId}</span></h2>
    <${Pt} participants=${t} />
  </li>`}function Tt({api:e}){let t=R(()=>e.get("/rooms?live=true&limit=200"),[e],3e4),o=R(()=>e.get("/rooms?limit=200"),[e],3e4),[n,s]=so(e),r=D(!1),l=K(()=>ce(async()=>{let c;if(r.current){r.current=!1;let i=await t.reload();i&&(c=new Set(i.rooms.map(d=>d.id)))}s.flush(c)}),[]);I(()=>()=>l.cancel(),[]),Ie(e,c=>{Rt(c)&&((!c||c.event.startsWith("session."))&&(r.current=!0),s.stale(c?.room_id),l())});let u=t.data?.rooms??[];return p`
    <h1>Live rooms</h1>
    <p class="muted" aria-live="polite">${t.data?`${u.length} room${u.length===1?"":"s"} with people connected now. Updates as they come and go.`:""}</p>
    <${P} error=${t.error??o.error} />
    ${t.data===void 0&&!t.error?p`<div class="table-placeholder" aria-busy="true">Loading live rooms…</div>`:u.length===0?p`<${M}><p>Nobody is connected to any room right now. A room appears here as soon as someone connects to it (<code>GET /v1/connect?token=…</code>).</p><//>`:p`<ul class="rooms">
            ${u.map(c=>p`<${ao} key=${c.id} room=${c} participants=${n[c.id]} rooms=${s} />`)}
          </ul>`}
    ${t.data?.next_cursor?p`<p class="muted">Showing the first 200 live rooms.</p>`:null}
    <section aria-labelledby="all-rooms-title">
      <h2 id="all-rooms-title">All rooms</h2>
      ${o.data?.rooms?.length===0?p`<${M}><p>No rooms yet. Create one with <code>POST /v1/accounts/{id}/rooms</code>.</p><//>`:p`<ul class="room-links">
            ${(o.data?.rooms??[]).map(c=>p`<li><a href=${Ct(c.id)}>${c.name}</a> <span class="muted">${c.customId}</span></li>`)}
          </ul>`}
      ${o.data?.next_cursor?p`<p class="muted">Showing the first 200 rooms.</p>`:null}
    </section>`}function It({api:e,id:t}){let o=R(()=>e.get(C`/rooms/${t}`),[e,t]),n=R(()=>e.get(C`/rooms/${t}/participants`),[e,t]),s=R(()=>e.get(C`/rooms/${t}/recent-events?limit=30`),[e,t]);return Ie(e,r=>{s.refresh(),(Rt(r)||r.event.startsWith("user."))&&n.refresh(),r||o.refresh()},t),o.error?.status===404?p`<h1>Room not found</h1><${M}><p>It may have been deleted.</p><a href="#/rooms">All rooms</a><//>`:p`
    <p class="crumbs"><a href="#/rooms">Live rooms</a> ›</p>
    <h1>${o.data?.room.name??"Room"}</h1>
    <${P} error=${o.error??s.error} />
    <section class="panel" aria-labelledby="now-title">
      <h2 id="now-title">Connected now</h2>
      <${Pt} participants=${n.data?.participants} />
    </section>
    <section aria-labelledby="recent-title">
      <h2 id="recent-title">Recent events</h2>
      ${s.data?.events?.length===0?p`<${M}><p>Nothing has happened in this room yet.</p><//>`:p`<ol class="events" aria-label="Recent events, newest first">
            ${(s.data?.events??[]).map(r=>p`<li>
                <details>
                  <summary><span class="seq" title="Its number in the room (room_seq)">#${r.room_seq}</span>
                    <code>${r.event}</code> <span class="muted">${V(r.created_at)}</span>
                    ${r.payload.user?p` · ${r.payload.user.name}`:null}</summary>
                  <pre class="payload">${pe(JSON.stringify(r.payload))}</pre>
                </details>
              </li>`)}
          </ol>`}
    </section>`}var Le="collabkit.dashboard.credential";function io(){let[e,t]=b(location.hash||"#/");return I(()=>{let o=()=>t(location.hash||"#/");return window.addEventListener("hashchange",o),()=>window.removeEventListener("hashchange",o)},[]),e}function lo(e){return e.replace(/^#\/?/,"").split("/").filter(Boolean).map(t=>{try{return decodeURIComponent(t)}catch{return null}})}function Mt({what:e,list:t}){return p`<h1>Not a valid ${e} id</h1><${M}><p>The address names no ${e} this dashboard can show.</p>${t}<//>`}function co({onSignedIn:e,notice:t}){let[o,n]=b(""),[s,r]=b(""),[l,u]=b(null),[c,i]=b(!1);return p`
    <main class="signin" id="main">
      <form class="panel form" onSubmit=${async h=>{h.preventDefault(),i(!0),u(null);try{await mt(o.trim(),s.trim()),e({accountId:o.trim(),apiKey:s.trim()})}catch(a){u(a)}finally{i(!1)}}} aria-busy=${c}>
        <h1>CollabKit dashboard</h1>
        <p class="muted">Sign in with an account id and its API key: the ones <code>collabkit serve</code>
          printed on first start, or <code>collabkit accounts create</code>.</p>
        ${t?p`<p class="notice" role="status">${t}</p>`:null}
        <label for="account-id">Account id</label>
        <input id="account-id" autocomplete="username" required spellcheck="false"
          placeholder="acc_…" value=${o} onInput=${h=>n(h.target.value)} />
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autocomplete="current-password" required
          value=${s} onInput=${h=>r(h.target.value)} />
        ${l?p`<p class="error" role="alert">${l.message}</p>`:null}
        <button type="submit" disabled=${c}>${c?"Signing in\u2026":"Sign in"}</button>
        <p class="muted small">The key stays in this tab's session storage and is sent only to this server.</p>
      </form>
    </main>`}function uo({credential:e,onSignOut:t}){let o=io(),n=K(()=>Te(e.accountId,e.apiKey,()=>t("Your API key is no longer accepted (it may have been rotated). Sign in again.")),[e]),s=lo(o),r=s[1],l,u="overview";s[0]==="webhooks"?(u="webhooks",r==="new"||r===void 0?l=p`<${xt} api=${n} creating=${r==="new"} />`:z(r)?l=p`<${St} api=${n} id=${r} key=${r} />`:l=p`<${Mt} what="webhook" list=${p`<a href="#/webhooks">All webhooks</a>`} />`):s[0]==="rooms"?(u="rooms",r===void 0?l=p`<${Tt} api=${n} />`:z(r)?l=p`<${It} api=${n} id=${r} key=${r} />`:l=p`<${Mt} what="room" list=${p`<a href="#/rooms">All rooms</a>`} />`):l=p`<${Et} api=${n} />`,I(()=>{document.title=`${{overview:"Overview",webhooks:"Webhooks",rooms:"Live rooms"}[u]} \xB7 CollabKit`},[u]);let c=(i,d,h)=>p`<a href=${i} aria-current=${u===d?"page":void 0}>${h}</a>`;return p`
    <a class="skip" href="#main" onClick=${i=>{i.preventDefault(),document.getElementById("main").focus()}}>Skip to content</a>
    <header class="top">
      <span class="brand">CollabKit</span>
      <nav aria-label="Dashboard">
        ${c("#/","overview","Overview")}
        ${c("#/webhooks","webhooks","Webhooks")}
        ${c("#/rooms","rooms","Live rooms")}
      </nav>
      <span class="account"><span class="muted">Account</span> <code>${e.accountId}</code></span>
      <button type="button" class="secondary small" onClick=${()=>t()}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">${l}</main>`}function _o(){let[e,t]=b(()=>{try{return JSON.parse(sessionStorage.getItem(Le))}catch{return null}}),[o,n]=b(null);return e?p`<${uo} credential=${e} onSignOut=${s=>{sessionStorage.removeItem(Le),n(s??null),t(null)}} />`:p`<${co} notice=${o} onSignedIn=${s=>{sessionStorage.setItem(Le,JSON.stringify(s)),n(null),t(s)}} />`}var Nt=document.getElementById("app");Nt.textContent="";Qe(p`<${_o} />`,Nt);
